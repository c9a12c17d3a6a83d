"""Status-only services asked of a department portal (a real HTTP fake), and the demo portal switched off."""

import pytest

from apps.portals.base import PortalRefused, PortalUnavailable
from apps.portals.config import portal_connection_secrets_set
from apps.portals.models import PortalConnection
from apps.portals.services import portal_status_lookup
from tests.factories import make_department, make_service

pytestmark = pytest.mark.django_db
TOKEN = "portal-token-never-logged"


@pytest.fixture
def connection(portal_fake, settings):
    settings.PORTAL_DEMO_ENABLED = False
    portal_fake.token = TOKEN
    row = PortalConnection.objects.create(connector="edistrict", base_url=portal_fake.base_url, auth_type="bearer",
                                          connect_timeout=1, read_timeout=0.5)  # fmt: skip
    portal_connection_secrets_set(connection=row, secret=TOKEN)
    return row


@pytest.fixture
def pension(connection):
    return make_service(department=make_department(code="DSW"), code="DSW-PENSION-STATUS", kind="status",
                        fulfilment="portal", connector="edistrict")  # fmt: skip


def test_portal_status_lookup_finds_a_number(pension, portal_fake):
    portal_fake.add_record("DSW-PENSION-STATUS", "EDPEN1", status_en="Approved", status_hi="मंज़ूर",
                           details=[("Scheme", "योजना", "Old age pension")])  # fmt: skip

    result = portal_status_lookup(service=pension, number=" EDPEN1 ", answers={"scheme": "old_age"})

    assert result.found and result.status_text_hi == "मंज़ूर"
    assert result.details == [("Scheme", "योजना", "Old age pension")]
    assert portal_fake.requests[-1].query == {"scheme": "old_age", "number": "EDPEN1"}


def test_portal_status_lookup_of_an_unknown_number_is_not_found(pension, portal_fake):
    assert portal_status_lookup(service=pension, number="NOPE123").found is False


@pytest.mark.parametrize("mode", ["outage", "slow", "malformed"])
def test_portal_status_lookup_when_the_portal_cannot_answer(pension, portal_fake, mode):
    portal_fake.mode, portal_fake.slow_seconds = mode, 2.0

    with pytest.raises(PortalUnavailable):
        portal_status_lookup(service=pension, number="EDPEN1")


def test_portal_status_lookup_refused(pension, portal_fake):
    portal_fake.mode = "refuse"

    with pytest.raises(PortalRefused):
        portal_status_lookup(service=pension, number="EDPEN1")


def test_the_demo_portal_is_off_in_production(client, settings):
    settings.PORTAL_DEMO_ENABLED = False

    assert client.get("/demo-portal/edistrict/lookup/DSW-PENSION-STATUS/?number=EDPEN2024001").status_code == 404
    assert client.post("/demo-portal/edistrict/applications/").status_code == 404
