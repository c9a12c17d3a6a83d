"""Which connection a connector code uses: its PortalConnection row (the admin), else its entry in
PORTAL_CONNECTIONS (the settings), else, while PORTAL_DEMO_ENABLED, the demo portal on this server."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from apps.core.crypto import secret_decrypt, secret_encrypt, secret_rotate
from apps.services.models import Service

from .models import PortalConnection

# Portal statuses everyone understands; a connection's status_map adds to these (keys in lower case).
DEFAULT_STATUS_MAP = {
    "received": "forwarded", "accepted": "forwarded", "forwarded": "forwarded", "submitted": "forwarded",
    "pending": "under_review", "in_process": "under_review", "under_review": "under_review",
    "under_verification": "under_review", "documents_requested": "documents_requested",
    "query_raised": "documents_requested", "approved": "approved", "sanctioned": "approved",
    "rejected": "rejected", "issued": "issued", "delivered": "issued",
}  # fmt: skip


@dataclass(frozen=True)
class ConnectionConfig:
    connector: str
    base_url: str
    auth_type: str = PortalConnection.Auth.NONE
    auth_header: str = "X-API-Key"
    username: str = ""
    secret: str = field(default="", repr=False)
    callback_secret: str = field(default="", repr=False)
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    submit_path: str = "applications/"
    status_path: str = "applications/{reference}/"
    lookup_path: str = "lookup/{service}/"
    # Dues of pay services: GET {dues_path}{service}/?number=... and POST {dues_path}{service}/paid/. Not an
    # admin field: the default, or "dues_path" in the connector's PORTAL_CONNECTIONS entry.
    dues_path: str = "dues/"
    field_map: dict = field(default_factory=dict)
    status_map: dict = field(default_factory=dict)
    source: str = "admin"

    def state_for(self, portal_status: str) -> str | None:
        """Our state for a portal status, or None when it is not one we move on."""
        mapping = DEFAULT_STATUS_MAP | {str(k).lower(): v for k, v in self.status_map.items()}
        return mapping.get(portal_status.strip().lower())


def demo_callback_secret() -> str:
    return hashlib.sha256(f"govchat-demo-portal:{settings.SECRET_KEY}".encode()).hexdigest()


def _from_row(row: PortalConnection) -> ConnectionConfig:
    return ConnectionConfig(
        connector=row.connector, base_url=row.base_url, auth_type=row.auth_type, auth_header=row.auth_header,
        username=row.username, secret=secret_decrypt(row.secret_encrypted) if row.secret_encrypted else "",
        callback_secret=secret_decrypt(row.callback_secret_encrypted) if row.callback_secret_encrypted else "",
        connect_timeout=row.connect_timeout, read_timeout=row.read_timeout, submit_path=row.submit_path,
        status_path=row.status_path, lookup_path=row.lookup_path, field_map=row.field_map or {},
        status_map=row.status_map or {},
    )  # fmt: skip


def _from_settings(connector: str, entry: dict) -> ConnectionConfig:
    allowed = set(ConnectionConfig.__dataclass_fields__) - {"connector", "source"}
    values = {key: value for key, value in entry.items() if key in allowed}
    values.setdefault("connect_timeout", settings.PORTAL_CONNECT_TIMEOUT)
    values.setdefault("read_timeout", settings.PORTAL_READ_TIMEOUT)
    return ConnectionConfig(connector=connector, source="settings", **values)


def connection_get(*, connector: str) -> ConnectionConfig | None:
    """The enabled connection for a connector code, or None when there is none (or it is switched off)."""
    if connector not in Service.Connector.values:
        return None
    row = PortalConnection.objects.filter(connector=connector).first()
    if row is not None:
        return _from_row(row) if row.enabled else None
    entry = (settings.PORTAL_CONNECTIONS or {}).get(connector)
    if isinstance(entry, dict) and entry.get("base_url"):
        return _from_settings(connector, entry)
    if settings.PORTAL_DEMO_ENABLED:
        return ConnectionConfig(
            connector=connector, base_url=f"{settings.SITE_URL.rstrip('/')}/demo-portal/{connector}/",
            callback_secret=demo_callback_secret(), connect_timeout=settings.PORTAL_CONNECT_TIMEOUT,
            read_timeout=settings.PORTAL_READ_TIMEOUT, source="demo",
        )  # fmt: skip
    return None


def portal_connection_secrets_set(*, connection: PortalConnection, secret: str = "", callback_secret: str = "") -> None:
    """Store new secrets for a connection, encrypted; empty ones keep what is stored."""
    fields = {}
    if secret.strip():
        fields["secret_encrypted"] = secret_encrypt(secret.strip())
    if callback_secret.strip():
        fields["callback_secret_encrypted"] = secret_encrypt(callback_secret.strip())
    if not fields:
        return
    fields["secrets_updated_at"] = timezone.now()
    PortalConnection.objects.filter(pk=connection.pk).update(**fields, updated_at=timezone.now())


def portal_connection_secrets_rotate() -> int:
    """Re-encrypt every stored portal secret with the newest key (`rotate_field_keys`)."""
    rotated = 0
    for row in PortalConnection.objects.all():
        for name in ("secret_encrypted", "callback_secret_encrypted"):
            old = getattr(row, name)
            if old:
                PortalConnection.objects.filter(pk=row.pk, **{name: old}).update(**{name: secret_rotate(old)})
                rotated += 1
    return rotated


def connection_problems(
    *, field_map, status_map, states: set[str], paths: dict[str, str] | None = None
) -> dict[str, str]:
    """What is wrong with a connection's maps and paths (the admin shows it)."""
    problems = {}
    for name, path in (paths or {}).items():
        try:
            (path or "").format(reference="R", service="S")
        except (KeyError, IndexError, ValueError):
            problems[name] = "Use only {reference} (status) or {service} (lookup) in braces."
    if not isinstance(field_map, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("fields", {}), dict) for v in field_map.values()
    ):
        problems["field_map"] = (
            'Give an object per service code, like {"REV-INCOME": {"service": "INC01", "fields": {}}}.'
        )
    if not isinstance(status_map, dict) or not all(isinstance(v, str) and v in states for v in status_map.values()):
        problems["status_map"] = f"Map each portal status to one of: {', '.join(sorted(states))}."
    return problems
