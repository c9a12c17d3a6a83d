"""Department portal connectors, used by the engine (status look-ups, dues), payments (dues, paid notices)
and applications (submissions): so they stand below all three and import none of them.

- `base.py`: the connector interface, what is sent and received, and the two errors.
- `rest.py`: the generic REST/JSON connector, the only module that calls a portal.
- `config.py`: which connection a connector code uses (the admin, the settings, or the demo portal).
- `services.py`: status look-ups, dues and paid notices, and checking a signed callback.
- `callbacks.py`: the handlers that apps above register to act on a portal's status callbacks.
- `views.py`: the signed callback endpoint; `demo.py`: the demo portal of the embedded default.
"""
