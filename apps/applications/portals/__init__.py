"""Department portal connectors: applications of portal-fulfilled services go to the department's portal
(e-District and others) from an outbox, and their status comes back by signed callback or by polling.

- `base.py`: the connector interface, its results and its two errors.
- `rest.py`: the generic REST/JSON connector, the only module that calls a portal.
- `config.py`: which connection a connector code uses (the admin, the settings, or the demo portal).
- `services.py`: the outbox, callbacks, polling and status lookups.
- `views.py`: the signed callback endpoint; `demo.py`: the demo portal of the embedded default.
"""
