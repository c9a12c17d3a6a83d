"""Status-only services in the chat: the service's questions, then the department's portal (a real HTTP fake)
asked through the connector; found, not found, and a portal that is down then back."""

import pytest

from apps.portals.config import portal_connection_secrets_set
from apps.portals.models import PortalConnection
from apps.services.models import FieldChoice, FormField, Service

CODE = "DSW-PENSION-STATUS"


@pytest.fixture
def portal(settings, portal_fake):
    fake = portal_fake
    settings.PORTAL_DEMO_ENABLED = False
    row = PortalConnection.objects.create(connector="edistrict", base_url=fake.base_url, auth_type="bearer",
                                          connect_timeout=1, read_timeout=0.5)  # fmt: skip
    fake.token = "portal-token"
    portal_connection_secrets_set(connection=row, secret="portal-token", callback_secret="callback-secret")
    return fake


@pytest.fixture
def pension_status(catalogue):
    service = Service.objects.get(code=CODE)
    scheme = FormField.objects.create(service=service, key="scheme", type="choice", label_en="Which pension?",
                                      label_hi="कौन-सी पेंशन?", position=0)  # fmt: skip
    FieldChoice.objects.create(field=scheme, value="old_age", label_en="Old age pension", label_hi="वृद्धावस्था पेंशन")
    FieldChoice.objects.create(field=scheme, value="disability", label_en="Disability pension",
                               label_hi="दिव्यांग पेंशन", position=1)  # fmt: skip
    FormField.objects.create(service=service, key="application_number", type="text", position=1,
                             label_en="e-District application number", label_hi="ई-डिस्ट्रिक्ट आवेदन नंबर",
                             validation={"min_length": 5})  # fmt: skip
    return service


def test_a_pension_status_comes_from_the_portal(chat, pension_status, portal):
    portal.add_record(CODE, "EDPEN2024001", status_en="Approved. ₹2,500 a month is paid.",
                      status_hi="मंज़ूर। ₹2,500 हर महीने।", details=[("Office", "कार्यालय", "SDM Karol Bagh")])  # fmt: skip
    phone = chat()
    phone.start()
    [scheme] = phone.tap_id(f"act:status:{CODE}")
    assert scheme.text.startswith("*Which pension?*") and scheme.titles == ["Old age pension", "Disability pension"]
    [number] = phone.tap("Old age pension")
    assert number.text.startswith("*e-District application number*")
    [again] = phone.send("12")  # too short: the field's own rule
    assert "*e-District application number*" in again.text and "5" in again.text

    answer, next_step = phone.send("edpen 2024 001")
    assert "Approved. ₹2,500 a month is paid." in answer.text and "• Office: SDM Karol Bagh" in answer.text
    assert next_step.titles == ["Another number", "Main menu"]
    [lookup] = [r for r in portal.requests if r.path.startswith("/lookup/")]
    assert lookup.query["number"] == "EDPEN2024001" and lookup.query["scheme"] == "old_age"
    assert lookup.headers["authorization"] == "Bearer portal-token"


def test_a_number_the_portal_does_not_know(chat, pension_status, portal):
    phone = chat()
    phone.start("हिंदी")
    phone.tap_id(f"act:status:{CODE}")
    phone.tap("वृद्धावस्था पेंशन")
    [missing] = phone.send("EDPEN999999")
    assert "EDPEN999999" in missing.text and "नहीं मिला" in missing.text
    assert missing.titles == ["दूसरा नंबर", "मुख्य मेनू"]


def test_a_portal_that_is_down_is_said_so_and_the_answers_are_kept_for_a_retry(chat, pension_status, portal):
    portal.add_record(CODE, "EDPEN2024002", status_en="Under verification.", status_hi="जांच जारी है।", details=[])
    portal.mode = "outage"
    phone = chat()
    phone.start()
    phone.tap_id(f"act:status:{CODE}")
    phone.tap("Disability pension")
    [down] = phone.send("EDPEN2024002")
    assert "not answering just now" in down.text and down.titles == ["Try again", "Main menu"]

    portal.mode = "slow"  # slower than the read timeout: the same answer, not a long wait
    [down] = phone.tap("Try again")
    assert "not answering just now" in down.text

    portal.mode = "ok"
    answer, _ = phone.tap("Try again")
    assert "Under verification." in answer.text
