"""The Razorpay gateway, through Razorpay's SDK, against a loopback fake of Razorpay (tests/fakes/razorpay.py),
driven through the payments service layer and the callback endpoint."""

from __future__ import annotations

import json
import socket
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.core.references import reference_new
from apps.payments import services
from apps.payments.gateways import gateway_get
from apps.payments.gateways.base import GatewayError, GatewayRefused
from apps.payments.gateways.razorpay import TimeoutSession
from apps.payments.models import Payment, PaymentCallback
from apps.payments.services import checkout
from tests.factories import make_conversation, make_department, make_officer, make_service
from tests.fakes.razorpay import RazorpayFake

pytestmark = pytest.mark.django_db
AMOUNT = 123_450  # ₹1,234.50


def make_payment(**fields) -> Payment:
    department = fields.pop("department", None) or make_department()
    service = make_service(department=department, kind="pay", code=f"{department.code}-PTAX")
    conversation = make_conversation()
    values = {
        "reference": reference_new(prefix="DLP"), "purpose": Payment.Purpose.PROPERTY_TAX, "service": service,
        "demand_id": "PID-1234/2025", "description_en": "Property tax 2025-26", "description_hi": "संपत्ति कर 2025-26",
        "amount_paise": AMOUNT, "citizen": conversation.citizen, "conversation": conversation, "provider": "razorpay",
        **fields,
    }  # fmt: skip
    return Payment.objects.create(**values)


def linked(**fields) -> Payment:
    return checkout._link(make_payment(**fields))


def post_webhook(client, webhook, *, body: bytes | None = None, headers: dict | None = None):
    return client.post(
        reverse("payments:callback", args=["razorpay"]), data=webhook.body if body is None else body,
        content_type="application/json", headers=webhook.headers if headers is None else headers,
    )  # fmt: skip


def creates(fake: RazorpayFake) -> list:
    return [r for r in fake.requests if r.method == "POST" and r.path == "/v1/payment_links"]


def test_the_configured_gateway_is_razorpay(razorpay_fake, settings):
    gateway = gateway_get()
    assert gateway.name == "razorpay"
    assert isinstance(gateway.client.session, TimeoutSession)
    assert gateway.client.session.timeout == (settings.PAYMENT_TIMEOUT, settings.PAYMENT_TIMEOUT) == (0.5, 0.5)


# Links.


def test_a_link_is_made_with_our_reference_in_paise(razorpay_fake):
    before = int(time.time())
    payment = linked()

    (request,) = creates(razorpay_fake)
    body = request.json
    assert body["amount"] == AMOUNT and isinstance(body["amount"], int)
    assert body["currency"] == "INR"
    assert body["reference_id"] == payment.reference
    assert body["notes"]["reference"] == payment.reference
    assert body["notify"] == {"sms": False, "email": False}  # the link goes out on WhatsApp
    assert body["accept_partial"] is False
    assert body["expire_by"] >= before + 60 * 60  # PAYMENT_LINK_MINUTES
    assert request.headers["authorization"].startswith("Basic ")
    link = razorpay_fake.links[payment.gateway_order_id]
    assert payment.state == Payment.State.PENDING
    assert payment.gateway_order_id.startswith("plink_")
    assert payment.checkout_url == link["short_url"]
    assert int(payment.expires_at.timestamp()) == link["expire_by"]


def test_a_short_link_life_is_stretched_to_razorpays_fifteen_minutes(razorpay_fake, settings):
    settings.PAYMENT_LINK_MINUTES = 5
    before = int(time.time())

    payment = linked()

    expire_by = creates(razorpay_fake)[0].json["expire_by"]
    assert expire_by >= before + 15 * 60
    assert payment.expires_at >= timezone.now() + timedelta(minutes=15)


def test_a_link_made_by_a_call_whose_answer_was_lost_is_reused(razorpay_fake):
    payment = make_payment()
    earlier = gateway_get().link_create(payment, callback_url="", expires_at=timezone.now())

    payment = checkout._link(payment)  # Razorpay refuses the reference a second time

    assert payment.gateway_order_id == earlier.order_id
    assert len(razorpay_fake.links) == 1


def test_razorpay_refuses_less_than_a_rupee(razorpay_fake):
    payment = make_payment(amount_paise=50)

    with pytest.raises(GatewayRefused, match="atleast INR 1.00"):
        checkout._link(payment)

    payment.refresh_from_db()
    assert payment.state == Payment.State.CREATED and payment.gateway_order_id is None


def test_wrong_api_keys_are_refused(razorpay_fake, settings):
    settings.RAZORPAY_KEY_SECRET = "not-the-secret"

    with pytest.raises(GatewayRefused, match="Authentication failed"):
        checkout._link(make_payment())


# Webhooks.


def test_the_paid_webhook_settles_the_payment_once(razorpay_fake, client, django_capture_on_commit_callbacks):
    payment = linked()
    webhook = razorpay_fake.pay(payment.gateway_order_id, method="upi")
    paid_id = webhook.payload["payload"]["payment"]["entity"]["id"]

    with django_capture_on_commit_callbacks(execute=False) as effects:
        response = post_webhook(client, webhook)

    assert response.status_code == 200 and response.json() == {"result": "paid"}
    assert len(effects) == 1  # the application moves on and the receipt goes out, after commit
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID
    assert payment.gateway_payment_id == paid_id and paid_id.startswith("pay_")
    assert payment.method == "upi" and payment.paid_at is not None
    assert not payment.needs_attention
    (kept,) = PaymentCallback.objects.filter(provider="razorpay")
    assert kept.signature_valid and kept.outcome == "applied" and kept.payment == payment
    assert kept.body == webhook.body.decode()

    with django_capture_on_commit_callbacks(execute=False) as effects:
        again = post_webhook(client, webhook)  # Razorpay delivers at least once

    assert again.status_code == 200 and again.json() == {"result": "duplicate"}
    assert effects == []
    assert PaymentCallback.objects.filter(provider="razorpay").count() == 1
    assert Payment.objects.get(pk=payment.pk).updated_at == payment.updated_at


def test_a_bad_signature_is_403_and_changes_nothing(razorpay_fake, client):
    payment = linked()
    webhook = razorpay_fake.pay(payment.gateway_order_id)
    tampered = webhook.body.replace(b'"method":"upi"', b'"method":"card"')
    assert tampered != webhook.body

    response = post_webhook(client, webhook, body=tampered)

    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING and payment.gateway_payment_id is None
    (kept,) = PaymentCallback.objects.all()
    assert not kept.signature_valid and kept.outcome == "rejected"


def test_a_webhook_signed_with_another_secret_is_403(razorpay_fake, client, settings):
    payment = linked()
    webhook = razorpay_fake.pay(payment.gateway_order_id)
    settings.RAZORPAY_WEBHOOK_SECRET = "rotated"

    assert post_webhook(client, webhook).status_code == 403
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING


def test_a_missing_signature_is_401_and_changes_nothing(razorpay_fake, client):
    payment = linked()
    webhook = razorpay_fake.pay(payment.gateway_order_id)

    response = post_webhook(client, webhook, headers={"X-Razorpay-Event-Id": webhook.event_id})

    assert response.status_code == 401
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING


def test_no_webhook_secret_refuses_every_webhook(razorpay_fake, client, settings):
    payment = linked()
    webhook = razorpay_fake.pay(payment.gateway_order_id)
    settings.RAZORPAY_WEBHOOK_SECRET = ""

    assert post_webhook(client, webhook).status_code == 403
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING


@pytest.mark.parametrize("change", [{"amount": AMOUNT - 100}, {"currency": "USD"}])
def test_money_that_does_not_match_is_flagged_not_paid(razorpay_fake, client, change):
    payment = linked()
    webhook = razorpay_fake.pay(payment.gateway_order_id, **change)

    response = post_webhook(client, webhook)

    assert response.status_code == 200 and response.json() == {"result": "flagged"}
    payment.refresh_from_db()
    assert payment.state == Payment.State.FAILED  # not paid; its link spent, the next "pay" makes a new one
    assert payment.needs_attention and payment.attention_reason
    assert payment.gateway_payment_id == webhook.payload["payload"]["payment"]["entity"]["id"]


def test_a_webhook_for_a_link_not_ours_is_acknowledged_and_kept(razorpay_fake, client):
    stranger = make_payment()
    link = gateway_get().link_create(stranger, callback_url="", expires_at=timezone.now())
    Payment.objects.filter(pk=stranger.pk).delete()  # a link made elsewhere on the same Razorpay account
    webhook = razorpay_fake.pay(link.order_id)

    response = post_webhook(client, webhook)

    assert response.status_code == 200 and response.json() == {"result": "rejected"}
    (kept,) = PaymentCallback.objects.all()
    assert kept.signature_valid and kept.outcome == "rejected" and kept.payment is None


def test_a_paid_webhook_without_whole_paise_is_unreadable(razorpay_fake, client):
    payment = linked()
    webhook = razorpay_fake.pay(payment.gateway_order_id)
    payload = webhook.payload
    payload["payload"]["payment"]["entity"]["amount"] = "1234.50"
    body = json.dumps(payload).encode()
    headers = {**webhook.headers, "X-Razorpay-Signature": razorpay_fake.sign(body)}

    response = post_webhook(client, webhook, body=body, headers=headers)

    assert response.status_code == 400
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING


@pytest.mark.parametrize("event", ["payment_link.expired", "payment_link.cancelled"])
def test_the_link_closing_expires_the_payment(razorpay_fake, client, event):
    payment = linked()
    webhook = razorpay_fake.expire(payment.gateway_order_id)
    if event == "payment_link.cancelled":
        webhook = razorpay_fake.webhook(event, {"payment_link": razorpay_fake.links[payment.gateway_order_id]})

    response = post_webhook(client, webhook)

    assert response.status_code == 200 and response.json() == {"result": "expired"}
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.EXPIRED


def test_a_failed_attempt_leaves_the_link_open(razorpay_fake, client):
    """`payment.failed` is one attempt: the citizen can try again on the same link until it expires."""
    payment = linked()
    attempt = {"id": "pay_FailedAttempt1", "entity": "payment", "amount": AMOUNT, "currency": "INR",
               "status": "failed", "method": "card", "error_code": "BAD_REQUEST_ERROR",
               "description": "#" + payment.gateway_order_id.removeprefix("plink_"), "notes": []}  # fmt: skip
    webhook = razorpay_fake.webhook("payment.failed", {"payment": attempt})

    response = post_webhook(client, webhook)

    assert response.status_code == 200
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING


# Reconciliation.


def test_reconciliation_settles_a_payment_whose_webhook_was_lost(razorpay_fake, client):
    payment = linked()
    lost = razorpay_fake.pay(payment.gateway_order_id, method="netbanking")
    paid_id = lost.payload["payload"]["payment"]["entity"]["id"]

    assert services.payment_reconcile(payment_id=payment.pk) == "paid"

    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID
    assert payment.gateway_payment_id == paid_id and payment.method == "netbanking"
    assert abs(payment.paid_at.timestamp() - lost.payload["payload"]["payment"]["entity"]["created_at"]) < 1
    assert payment.last_checked_at is not None
    # The webhook, late: applied once already.
    assert post_webhook(client, lost).json() == {"result": "duplicate"}
    assert services.payment_reconcile(payment_id=payment.pk) == "closed"


def test_reconciliation_expires_an_expired_link(razorpay_fake):
    payment = linked()
    razorpay_fake.expire(payment.gateway_order_id)  # and the webhook is lost

    assert services.payment_reconcile(payment_id=payment.pk) == "expired"
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.EXPIRED


def test_reconciliation_expires_a_cancelled_link(razorpay_fake):
    payment = linked()
    gateway_get().client.payment_link.cancel(payment.gateway_order_id)

    assert services.payment_reconcile(payment_id=payment.pk) == "expired"


def test_reconciliation_leaves_an_open_link(razorpay_fake):
    payment = linked()

    assert services.payment_reconcile(payment_id=payment.pk) == "pending"
    assert razorpay_fake.requests[-1].path == f"/v1/payment_links/{payment.gateway_order_id}"
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING


def test_reconciliation_flags_a_mismatch_found_at_razorpay(razorpay_fake):
    payment = linked()
    razorpay_fake.pay(payment.gateway_order_id, amount=AMOUNT + 100)

    assert services.payment_reconcile(payment_id=payment.pk) == "flagged"
    payment.refresh_from_db()
    assert payment.needs_attention and payment.state == Payment.State.FAILED


# Razorpay down.


@pytest.mark.parametrize("mode, status", [("outage", 503), ("outage", 500), ("malformed", 200), ("slow", 200)])
def test_razorpay_down_is_a_gateway_error_and_reconciliation_waits(razorpay_fake, mode, status):
    payment = linked()
    razorpay_fake.mode, razorpay_fake.outage_status = mode, status
    started = time.monotonic()

    with pytest.raises(GatewayError) as raised:
        gateway_get().link_state(payment)

    assert not isinstance(raised.value, GatewayRefused)
    assert time.monotonic() - started < razorpay_fake.slow_seconds - 1  # the timeout, not Razorpay, decides
    assert services.payment_reconcile(payment_id=payment.pk) == "unreachable"
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING


def test_no_link_while_razorpay_is_down(razorpay_fake):
    payment = make_payment()
    razorpay_fake.mode = "outage"

    with pytest.raises(GatewayError):
        checkout._link(payment)

    payment.refresh_from_db()
    assert payment.state == Payment.State.CREATED and payment.gateway_order_id is None


def test_razorpay_unreachable_is_a_gateway_error(razorpay_fake, settings):
    payment = linked()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.RAZORPAY_BASE_URL = f"http://127.0.0.1:{port}"

    with pytest.raises(GatewayError):
        gateway_get().link_state(payment)
    assert services.payment_reconcile(payment_id=payment.pk) == "unreachable"


# Refunds.


def test_a_department_admin_refunds_a_paid_payment(razorpay_fake, client):
    department = make_department()
    payment = linked(department=department)
    post_webhook(client, razorpay_fake.pay(payment.gateway_order_id))
    admin = make_officer(role="department_admin", department=department)

    refunded = services.payment_refund(payment=Payment.objects.get(pk=payment.pk), officer=admin,
                                       reason="Demand withdrawn by MCD")  # fmt: skip

    assert refunded.state == Payment.State.REFUNDED
    assert refunded.gateway_refund_id.startswith("rfnd_")
    assert refunded.refunded_by == admin and refunded.refund_reason == "Demand withdrawn by MCD"
    refund = razorpay_fake.refunds[refunded.gateway_refund_id]
    assert refund["payment_id"] == refunded.gateway_payment_id and refund["amount"] == AMOUNT
    assert refund["notes"] == {"reference": payment.reference, "reason": "Demand withdrawn by MCD"}


def test_a_flagged_payment_is_refunded_what_was_actually_paid(razorpay_fake, client):
    department = make_department()
    payment = linked(department=department)
    post_webhook(client, razorpay_fake.pay(payment.gateway_order_id, amount=AMOUNT - 5_000))
    admin = make_officer(role="department_admin", department=department)

    refunded = services.payment_refund(payment=Payment.objects.get(pk=payment.pk), officer=admin, reason="Short paid")

    assert refunded.state == Payment.State.REFUNDED
    assert razorpay_fake.refunds[refunded.gateway_refund_id]["amount"] == AMOUNT - 5_000


def test_a_refund_whose_answer_was_lost_is_not_made_twice(razorpay_fake, client):
    department = make_department()
    payment = linked(department=department)
    post_webhook(client, razorpay_fake.pay(payment.gateway_order_id))
    payment.refresh_from_db()
    earlier = gateway_get().refund(payment, reason="Demand withdrawn")
    admin = make_officer(role="department_admin", department=department)

    refunded = services.payment_refund(payment=payment, officer=admin, reason="Demand withdrawn")

    assert refunded.gateway_refund_id == earlier
    assert len(razorpay_fake.refunds) == 1


def test_a_refund_razorpay_cannot_make_leaves_the_payment_paid(razorpay_fake, client):
    department = make_department()
    payment = linked(department=department)
    post_webhook(client, razorpay_fake.pay(payment.gateway_order_id))
    admin = make_officer(role="department_admin", department=department)
    razorpay_fake.mode = "outage"

    with pytest.raises(ApplicationError, match="did not refund"):  # said to the admin, not a 500
        services.payment_refund(payment=Payment.objects.get(pk=payment.pk), officer=admin, reason="Withdrawn")

    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID and payment.gateway_refund_id is None
