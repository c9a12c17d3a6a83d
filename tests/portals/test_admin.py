"""The back office of the portal connections: state-wide users only, secrets write-only, maps checked."""

import pytest
from django.urls import reverse

from apps.portals.config import portal_connection_secrets_set
from apps.portals.models import PortalConnection
from tests.factories import make_department, make_officer

pytestmark = pytest.mark.django_db
SECRET = "callback-secret"


@pytest.fixture
def connection(settings):
    settings.PORTAL_DEMO_ENABLED = False
    row = PortalConnection.objects.create(connector="edistrict", base_url="http://127.0.0.1:9/", auth_type="none",
                                          status_map={"PENDING_SDM": "under_review"})  # fmt: skip
    portal_connection_secrets_set(connection=row, callback_secret=SECRET)
    return row


def test_connections_are_for_state_wide_users_and_secrets_never_shown(client, connection):
    officer = make_officer(department=make_department(code="MCD"))
    state_admin = make_officer(role="state_admin")
    url = reverse("admin:portals_portalconnection_change", args=[connection.pk])

    client.force_login(officer)
    assert client.get(url).status_code == 403
    client.force_login(state_admin)
    page = client.get(url)
    form = {
        "connector": "edistrict", "enabled": "on", "base_url": "https://edistrict.example.gov.in/api/",
        "auth_type": "bearer", "auth_header": "X-API-Key", "connect_timeout": "5", "read_timeout": "20",
        "submit_path": "applications/", "status_path": "applications/{reference}/",
        "lookup_path": "lookup/{service}/", "field_map": "{}", "status_map": '{"X": "approved"}',
        "new_secret": "tok-123", "new_callback_secret": "",
    }  # fmt: skip
    saved = client.post(url, form)
    bad = client.post(url, {**form, "status_map": '{"X": "teleported"}'})
    connection.refresh_from_db()

    assert page.status_code == 200 and SECRET not in page.content.decode()
    assert saved.status_code == 302 and connection.secret_encrypted and "tok-123" not in connection.secret_encrypted
    assert connection.callback_secret_encrypted  # an empty box keeps the stored secret
    assert bad.status_code == 200 and "Map each portal status" in bad.content.decode()
