"""A portal connection's secrets are kept encrypted and survive `rotate_field_keys` like WhatsApp tokens."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from apps.core.exceptions import ApplicationError
from apps.portals.config import connection_get, portal_connection_secrets_set
from apps.portals.models import PortalConnection

pytestmark = pytest.mark.django_db


def test_portal_secrets_survive_key_rotation(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PORTAL_DEMO_ENABLED, settings.FIELD_ENCRYPTION_KEYS = False, [old_key]
    row = PortalConnection.objects.create(connector="djb", base_url="https://djb.example.gov.in/api/")
    portal_connection_secrets_set(connection=row, secret="djb-token", callback_secret="djb-callback")

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    with pytest.raises(ApplicationError):  # the old key is needed until the secrets are rotated
        connection_get(connector="djb")
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    rotated = connection_get(connector="djb")

    assert "2 portal connection(s) re-encrypted." in out.getvalue()
    assert rotated.secret == "djb-token" and rotated.callback_secret == "djb-callback"
