"""Dues of the pay services (property tax, water bill, traffic challans) from the department's portal, and
the word back when a demand is paid: against the portal fake (a real HTTP server) and the demo portal
(over HTTP, through the live server)."""

import dataclasses
from datetime import UTC, datetime

import pytest

from apps.core.exceptions import ApplicationError
from apps.payments.services import Demand
from apps.portals.base import DuesPaidResult, PortalDemand, PortalRefused, PortalUnavailable
from apps.portals.config import portal_connection_secrets_set
from apps.portals.demo import demo_dues_reset
from apps.portals.models import PortalConnection
from apps.portals.services import portal_dues_lookup, portal_dues_paid
from tests.factories import make_department, make_service

pytestmark = pytest.mark.django_db
TOKEN = "mcd-portal-token"
PAID_AT = datetime(2025, 5, 2, 10, 30, tzinfo=UTC)


@pytest.fixture
def connection(portal_fake, settings):
    settings.PORTAL_DEMO_ENABLED = False
    portal_fake.token = TOKEN
    row = PortalConnection.objects.create(connector="mcd", base_url=portal_fake.base_url, auth_type="bearer",
                                          connect_timeout=1, read_timeout=0.5)  # fmt: skip
    portal_connection_secrets_set(connection=row, secret=TOKEN)
    return row


@pytest.fixture
def ptax(connection):
    return make_service(department=make_department(code="MCD"), code="MCD-PTAX", kind="pay", fulfilment="portal",
                        connector="mcd")  # fmt: skip


def demand(demand_id="PT-1-2025-26", lines=((("Property tax", "संपत्ति कर", 485000)),), total=None) -> dict:
    breakup = [{"label_en": en, "label_hi": hi, "amount_paise": paise} for en, hi, paise in lines]
    return {
        "demand_id": demand_id, "description_en": "Property tax 2025-26", "description_hi": "संपत्ति कर 2025-26",
        "breakup": breakup, "amount_paise": sum(line["amount_paise"] for line in breakup) if total is None else total,
    }  # fmt: skip


TAX_LESS_REBATE = (("Property tax", "संपत्ति कर", 485000), ("Rebate", "छूट", -48500), ("Interest", "ब्याज", 1200))


def test_dues_are_found_with_their_break_up(ptax, portal_fake):
    portal_fake.add_dues("MCD-PTAX", "0701000123456", [demand(lines=TAX_LESS_REBATE)])

    [found] = portal_dues_lookup(service=ptax, number=" 0701 000123456 ")

    assert found == PortalDemand(
        demand_id="PT-1-2025-26", description_en="Property tax 2025-26", description_hi="संपत्ति कर 2025-26",
        breakup=[{"label_en": "Property tax", "label_hi": "संपत्ति कर", "amount_paise": 485000},
                 {"label_en": "Rebate", "label_hi": "छूट", "amount_paise": -48500},
                 {"label_en": "Interest", "label_hi": "ब्याज", "amount_paise": 1200}],
        amount_paise=437700,
    )  # fmt: skip
    [request] = portal_fake.requests
    assert request.path == "/dues/MCD-PTAX/" and request.query == {"number": "0701000123456"}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert Demand(**dataclasses.asdict(found)).amount_paise == 437700  # what payment_for_demand takes


def test_several_demands_and_a_missing_break_up_and_a_renamed_service(ptax, portal_fake, connection):
    PortalConnection.objects.filter(pk=connection.pk).update(field_map={"MCD-PTAX": {"service": "PTAX"}})
    bare = {"demand_id": 42, "amount_paise": 10000}
    portal_fake.add_dues("PTAX", "UPIC9", [demand(), bare])

    first, second = portal_dues_lookup(service=ptax, number="upic9")

    assert first.amount_paise == 485000 and second.demand_id == "42"
    assert second.breakup == [{"label_en": "42", "label_hi": "42", "amount_paise": 10000}]
    assert portal_fake.requests[-1].path == "/dues/PTAX/"


def test_nothing_due_is_an_empty_list(ptax, portal_fake):
    portal_fake.add_dues("MCD-PTAX", "0503000111111", [])

    assert portal_dues_lookup(service=ptax, number="0503000111111") == []
    assert portal_dues_lookup(service=ptax, number="UNKNOWN1") == []  # 404 {"found": false}


def test_a_settings_connection_can_move_the_dues_path(portal_fake, settings):
    settings.PORTAL_DEMO_ENABLED = False
    settings.PORTAL_CONNECTIONS = {"mcd": {"base_url": portal_fake.base_url + "api/", "dues_path": "/v2/dues"}}
    ptax = make_service(department=make_department(code="MCD"), code="MCD-PTAX", kind="pay", fulfilment="portal",
                        connector="mcd")  # fmt: skip

    assert portal_dues_lookup(service=ptax, number="X1") == []
    assert portal_fake.requests[-1].path == "/api/v2/dues/MCD-PTAX/"


@pytest.mark.parametrize("mode", ["outage", "slow", "malformed"])
def test_dues_when_the_portal_cannot_answer(ptax, portal_fake, mode):
    portal_fake.mode, portal_fake.slow_seconds = mode, 2.0
    portal_fake.add_dues("MCD-PTAX", "U1", [demand()])

    with pytest.raises(PortalUnavailable):
        portal_dues_lookup(service=ptax, number="U1")


def test_a_slow_portal_is_given_up_on_after_the_read_timeout(ptax, portal_fake):
    portal_fake.mode, portal_fake.slow_seconds = "slow", 2.0

    with pytest.raises(PortalUnavailable, match="in time"):
        portal_dues_lookup(service=ptax, number="U1")


@pytest.mark.parametrize(
    "bad",
    [
        demand(total=4365.0),  # a float, even a whole one
        demand(total="436500"),  # a string
        demand(total=True),
        demand(lines=(("Rebate", "छूट", -48500),)),  # a negative total
        demand(lines=(("Tax", "कर", 0),)),  # nothing due is no demand
        demand(lines=(("Tax", "कर", 485000),), total=400000),  # a break-up that does not add up
        demand(lines=(("Tax", "कर", 4850.5),), total=4850.5),
        demand(lines=(("Tax", "कर", "485000"),), total=485000),  # a break-up line as a string
        demand(lines=(("Tax", "कर", 10**13),)),  # not a believable amount
        {**demand(), "demand_id": ""},
        "PT-1",
    ],
    ids=[
        "float",
        "string",
        "bool",
        "negative",
        "zero",
        "not-adding-up",
        "float-line",
        "string-line",
        "huge",
        "no-id",
        "not-an-object",
    ],  # fmt: skip
)
def test_malformed_amounts_are_unavailable_not_shown(ptax, portal_fake, bad):
    portal_fake.add_dues("MCD-PTAX", "U1", [demand(demand_id="GOOD"), bad])

    with pytest.raises(PortalUnavailable, match="malformed"):
        portal_dues_lookup(service=ptax, number="U1")


def test_an_answer_of_the_wrong_shape_is_unavailable(ptax, portal_fake):
    portal_fake.add_dues("MCD-PTAX", "U1", [demand(), demand()])  # the same demand id twice

    with pytest.raises(PortalUnavailable, match="twice"):
        portal_dues_lookup(service=ptax, number="U1")


def test_a_refusal_is_refused(ptax, portal_fake):
    portal_fake.mode = "refuse"

    with pytest.raises(PortalRefused) as refused:
        portal_dues_lookup(service=ptax, number="U1")

    assert refused.value.http_status == 422 and "district" in str(refused.value)


def test_bad_credentials_are_refused(ptax, portal_fake):
    portal_fake.token = "another-token"

    with pytest.raises(PortalRefused) as refused:
        portal_dues_lookup(service=ptax, number="U1")

    assert refused.value.http_status == 401


def test_only_pay_services_answered_by_a_portal_have_dues(connection, settings):
    department = make_department(code="MCD")
    by_officers = make_service(department=department, kind="pay")
    status = make_service(department=department, kind="status", fulfilment="portal", connector="mcd")
    settings.PORTAL_CONNECTIONS = {}
    unconnected = make_service(department=department, kind="pay", fulfilment="portal", connector="djb")

    for service in (by_officers, status):
        with pytest.raises(ApplicationError):
            portal_dues_lookup(service=service, number="U1")
    with pytest.raises(PortalUnavailable, match="No portal connection"):
        portal_dues_lookup(service=unconnected, number="U1")
    with pytest.raises(ApplicationError):
        portal_dues_lookup(service=make_service(department=department, kind="pay", fulfilment="portal",
                                                connector="mcd"), number="  ")  # fmt: skip


# The word back when a demand is paid.


def test_portal_dues_paid_is_idempotent_by_our_reference(ptax, portal_fake):
    portal_fake.add_dues("MCD-PTAX", "U1", [demand()])

    first = portal_dues_paid(service=ptax, demand_id="PT-1-2025-26", reference="DLP-ABC123", amount_paise=485000,
                             paid_at=PAID_AT)  # fmt: skip
    again = portal_dues_paid(service=ptax, demand_id="PT-1-2025-26", reference="DLP-ABC123", amount_paise=485000,
                             paid_at=PAID_AT)  # fmt: skip

    assert first == again == DuesPaidResult(receipt="RCPT000001", status="recorded")
    assert list(portal_fake.paid) == ["DLP-ABC123"]  # one payment recorded
    posts = [r for r in portal_fake.requests if r.method == "POST"]
    assert [r.path for r in posts] == ["/dues/MCD-PTAX/paid/"] * 2
    assert {r.headers["idempotency-key"] for r in posts} == {"DLP-ABC123"}
    assert posts[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert posts[0].json == {"demand_id": "PT-1-2025-26", "reference": "DLP-ABC123", "amount_paise": 485000,
                             "paid_at": "2025-05-02T10:30:00+00:00"}  # fmt: skip
    assert portal_dues_lookup(service=ptax, number="U1") == []  # no longer due


def test_portal_dues_paid_refusals_and_outages(ptax, portal_fake):
    portal_fake.add_dues("MCD-PTAX", "U1", [demand()])
    portal_dues_paid(service=ptax, demand_id="PT-1-2025-26", reference="DLP-1", amount_paise=485000, paid_at=PAID_AT)

    with pytest.raises(PortalRefused) as twice:  # paid already, under another of our references
        portal_dues_paid(service=ptax, demand_id="PT-1-2025-26", reference="DLP-2", amount_paise=485000,
                         paid_at=PAID_AT)  # fmt: skip
    with pytest.raises(PortalRefused) as unknown:
        portal_dues_paid(service=ptax, demand_id="NOPE", reference="DLP-3", amount_paise=100, paid_at=PAID_AT)
    portal_fake.mode = "outage"
    with pytest.raises(PortalUnavailable):
        portal_dues_paid(service=ptax, demand_id="PT-1-2025-26", reference="DLP-1", amount_paise=485000,
                         paid_at=PAID_AT)  # fmt: skip
    with pytest.raises(ApplicationError):
        portal_dues_paid(service=ptax, demand_id="PT-1-2025-26", reference="", amount_paise=485000, paid_at=PAID_AT)

    assert twice.value.http_status == 409 and "RCPT000001" in str(twice.value)
    assert unknown.value.http_status == 404
    assert list(portal_fake.paid) == ["DLP-1"]


# The demo portal, called over HTTP by the real connector.


@pytest.fixture
def demo(live_server, settings):
    settings.SITE_URL, settings.PORTAL_DEMO_ENABLED, settings.PORTAL_CONNECTIONS = live_server.url, True, {}
    demo_dues_reset()
    yield
    demo_dues_reset()


def pay_services():
    make = {
        "MCD": ("MCD-PTAX", "mcd"), "DJB": ("DJB-BILL", "djb"), "TPT": ("TPT-CHALLAN", "parivahan"),
    }  # fmt: skip
    return {
        code: make_service(
            department=make_department(code=dept), code=code, kind="pay", fulfilment="portal", connector=connector
        )  # fmt: skip
        for dept, (code, connector) in make.items()
    }


@pytest.mark.django_db(transaction=True)
def test_the_demo_portal_answers_each_pay_service(demo):
    services = pay_services()

    [tax] = portal_dues_lookup(service=services["MCD-PTAX"], number="0701000123456")
    [arrears] = portal_dues_lookup(service=services["MCD-PTAX"], number="0902000654321")
    [bill] = portal_dues_lookup(service=services["DJB-BILL"], number="12345 67890")
    challans = portal_dues_lookup(service=services["TPT-CHALLAN"], number="dl 01 ab 1234")
    [one] = portal_dues_lookup(service=services["TPT-CHALLAN"], number="DL116709250203100002")

    assert tax.amount_paise == 436500 and [line["amount_paise"] for line in tax.breakup] == [485000, -48500]
    assert "Rebate" in tax.breakup[1]["label_en"] and "छूट" in tax.breakup[1]["label_hi"]
    assert arrears.amount_paise == 2581600 and any("Interest" in line["label_en"] for line in arrears.breakup)
    assert bill.amount_paise == 98160
    assert [line["label_en"] for line in bill.breakup] == ["Water charges", "Sewer charges", "Arrears"]
    assert [c.amount_paise for c in challans] == [200000, 50000]
    assert "over-speeding" in challans[0].description_en and "14-01-2025" in challans[0].description_en
    assert one == challans[1]
    for service, number in [("MCD-PTAX", "0503000111111"), ("DJB-BILL", "3456789012"),
                            ("TPT-CHALLAN", "DL02CD5678"), ("TPT-CHALLAN", "DL99ZZ9999")]:  # fmt: skip
        assert portal_dues_lookup(service=services[service], number=number) == []


@pytest.mark.django_db(transaction=True)
def test_a_demand_paid_at_the_demo_portal_is_no_longer_due(demo):
    challan = pay_services()["TPT-CHALLAN"]
    first, second = portal_dues_lookup(service=challan, number="DL01AB1234")

    paid = portal_dues_paid(service=challan, demand_id=first.demand_id, reference="DLP-DEMO1",
                            amount_paise=first.amount_paise, paid_at=PAID_AT)  # fmt: skip
    again = portal_dues_paid(service=challan, demand_id=first.demand_id, reference="DLP-DEMO1",
                             amount_paise=first.amount_paise, paid_at=PAID_AT)  # fmt: skip

    assert paid == again and paid.receipt.startswith("PARI-") and paid.status == "recorded"
    assert portal_dues_lookup(service=challan, number="DL01AB1234") == [second]
    assert portal_dues_lookup(service=challan, number=first.demand_id) == []
    with pytest.raises(PortalRefused) as twice:
        portal_dues_paid(service=challan, demand_id=first.demand_id, reference="DLP-DEMO2",
                         amount_paise=first.amount_paise, paid_at=PAID_AT)  # fmt: skip
    with pytest.raises(PortalRefused) as wrong_amount:
        portal_dues_paid(service=challan, demand_id=second.demand_id, reference="DLP-DEMO3", amount_paise=100,
                         paid_at=PAID_AT)  # fmt: skip
    assert twice.value.http_status == 409 and wrong_amount.value.http_status == 422


def test_the_demo_dues_are_off_in_production(client, settings):
    settings.PORTAL_DEMO_ENABLED = False

    assert client.get("/demo-portal/mcd/dues/MCD-PTAX/?number=0701000123456").status_code == 404
    assert client.post("/demo-portal/mcd/dues/MCD-PTAX/paid/").status_code == 404
