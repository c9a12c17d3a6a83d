"""The sandbox gateway: its checkout page, its signed callback (in-process and over HTTP, kept once), the
page's refusals (expired, already paid, unknown, tampered), link state and refunds."""

import json
import logging
import re
from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone

from apps.departments.models import Officer
from apps.payments import services
from apps.payments.gateways import gateway_get, sandbox
from apps.payments.gateways.base import GatewayError
from apps.payments.models import Payment, PaymentCallback, SandboxOrder
from apps.payments.services import checkout
from tests.factories import make_conversation, make_department, make_number, make_officer, make_service

DESCRIPTION_EN = "Property tax 2025-26 (property ID 0123-4567)"
DESCRIPTION_HI = "संपत्ति कर 2025-26 (प्रॉपर्टी आईडी 0123-4567)"


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.PAYMENT_GATEWAY = "sandbox"
    settings.PAYMENT_SANDBOX_SECRET = "sandbox-test-secret"


def _payment(amount_paise: int = 12_34_567_89) -> Payment:
    department = make_department(code="MCD", name_en="Municipal Corporation of Delhi", name_hi="दिल्ली नगर निगम")
    service = make_service(department=department, code="MCD-PTAX")
    number = make_number(department=department, display_number="+91 11 4000 0001")
    conversation = make_conversation(number=number)
    payment = Payment.objects.create(
        reference="DLP26ABC123", purpose=Payment.Purpose.PROPERTY_TAX, service=service, demand_id="0123-4567/2025",
        description_en=DESCRIPTION_EN, description_hi=DESCRIPTION_HI, amount_paise=amount_paise,
        citizen=conversation.citizen, conversation=conversation, provider="sandbox",
    )  # fmt: skip
    return checkout._link(payment)


@pytest.fixture
def payment(db) -> Payment:
    return _payment()


def _order(payment: Payment) -> SandboxOrder:
    return SandboxOrder.objects.get(order_id=payment.gateway_order_id)


def _path(payment: Payment) -> str:
    return f"/pay/{payment.gateway_order_id}/"


def _pay(client, payment, **data):
    return client.post(_path(payment), {"method": "upi", "vpa": "sunita@okhdfcbank", "outcome": "paid", **data})


def test_a_link_is_a_sandbox_order_with_the_checkout_page_address(payment, settings):
    order = _order(payment)

    assert payment.state == Payment.State.PENDING
    assert re.fullmatch(r"sbx_[0-9a-f]{20}", payment.gateway_order_id)
    assert payment.checkout_url == f"{settings.SITE_URL}/pay/{order.order_id}/"
    assert order.reference == "DLP26ABC123" and order.amount_paise == 12_34_567_89 and order.currency == "INR"
    assert order.description == f"{DESCRIPTION_EN}\n{DESCRIPTION_HI}"
    assert order.callback_url == services.callback_url("sandbox")
    assert order.expires_at == payment.expires_at and order.state == SandboxOrder.State.CREATED


def test_the_checkout_page_shows_what_is_paid_in_english_and_hindi(client, payment):
    english = client.get(_path(payment), HTTP_ACCEPT_LANGUAGE="en-IN,en;q=0.9")
    hindi = client.get(_path(payment) + "?lang=hi")

    for response in (english, hindi):
        html = response.content.decode()
        assert response.status_code == 200
        assert "₹12,34,567.89" in html  # Indian grouping
        assert "DLP26ABC123" in html and DESCRIPTION_EN in html and DESCRIPTION_HI in html
        assert "<script" not in html and "http" not in html.split("<body>")[1].replace("https://wa.me", "")
        assert "csrfmiddlewaretoken" in html
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert "no-store" in response.headers["Cache-Control"]
        # Card details never leave the phone: the card fields have no name, so nothing of them is posted.
        for field in re.findall(r"<input id=\"card-[^>]*>", html):
            assert "name=" not in field
    english_html, hindi_html = english.content.decode(), hindi.content.decode()
    assert "Government of NCT of Delhi (govchat sandbox)" in english_html and "No real money moves" in english_html
    assert "Pay ₹12,34,567.89" in english_html and "Simulate failure" in english_html
    assert english.headers["Content-Language"] == "en"
    assert "राष्ट्रीय राजधानी क्षेत्र दिल्ली सरकार (govchat सैंडबॉक्स)" in hindi_html
    assert "₹12,34,567.89 का भुगतान करें" in hindi_html and "कोई असली पैसा नहीं कटेगा" in hindi_html
    assert hindi.headers["Content-Language"] == "hi"
    assert client.get(_path(payment), HTTP_ACCEPT_LANGUAGE="hi-IN,hi;q=0.9").headers["Content-Language"] == "hi"


def test_paying_settles_the_payment_through_the_signed_callback_once(
    client, payment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as scheduled:
        first = _pay(client, payment)
    order, paid = _order(payment), Payment.objects.get(pk=payment.pk)

    assert first.status_code == 303 and first.headers["Location"] == f"{_path(payment)}?lang=en"
    assert order.state == SandboxOrder.State.PAID and order.method == "upi" and order.paid_at
    assert re.fullmatch(r"pay_sbx_[0-9a-f]{20}", order.payment_id)
    assert paid.state == Payment.State.PAID and paid.gateway_payment_id == order.payment_id and paid.method == "upi"
    callback = PaymentCallback.objects.get()
    assert callback.signature_valid and callback.outcome == "applied" and callback.payment == paid
    body = json.loads(callback.body)
    assert body["event"] == "payment.paid" and body["event_id"].startswith("evt_")
    assert {k: body[k] for k in ("order_id", "reference", "payment_id", "amount", "currency", "method")} == {
        "order_id": order.order_id, "reference": "DLP26ABC123", "payment_id": order.payment_id,
        "amount": 12_34_567_89, "currency": "INR", "method": "upi",
    }  # fmt: skip
    assert len(scheduled) == 2  # the HTTP delivery, and what follows a payment (receipt)

    with django_capture_on_commit_callbacks(execute=False) as again:
        second = _pay(client, payment, method="card")  # a double click
    assert second.status_code == 303 and again == []
    order.refresh_from_db()
    assert order.method == "upi" and PaymentCallback.objects.count() == 1
    assert Payment.objects.get(pk=payment.pk).gateway_payment_id == order.payment_id

    page = client.get(second.headers["Location"]).content.decode()
    assert "Payment successful" in page and "भुगतान सफल" in page and "DLP26ABC123" in page
    assert "You will get the receipt on WhatsApp" in page and 'href="https://wa.me/911140000001"' in page
    assert "Simulate failure" not in page and 'name="outcome"' not in page


@pytest.mark.django_db(transaction=True)
def test_the_http_callback_arrives_signed_and_is_kept_once(live_server, settings, monkeypatch, caplog):
    settings.SITE_URL = live_server.url
    payment = _payment()
    assert _order(payment).callback_url == f"{live_server.url}/payments/callback/sandbox/"
    sent, real_post = [], requests.post

    def post(url, **kwargs):
        response = real_post(url, **kwargs)
        sent.append((url, kwargs["data"], kwargs["headers"], kwargs["timeout"], response.status_code, response.json()))
        return response

    monkeypatch.setattr(sandbox.requests, "post", post)
    with caplog.at_level(logging.INFO, logger="apps.payments.gateways.sandbox"):
        response = _pay(Client(), payment)

    assert response.status_code == 303
    [(url, body, headers, timeout, status, answer)] = sent
    assert url == f"{live_server.url}/payments/callback/sandbox/" and isinstance(timeout, tuple) and len(timeout) == 2
    assert headers["X-Sandbox-Signature"] == sandbox.sign(body) and headers["Content-Type"] == "application/json"
    assert (status, answer) == (200, {"result": "paid"})  # eager: the HTTP callback came first and applied it
    assert "applied in-process: 200 duplicate" in caplog.text  # the page's own copy was the replay
    callback = PaymentCallback.objects.get()
    assert callback.outcome == "applied" and callback.body == body.decode()
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PAID

    replay = real_post(url, data=body, headers=headers, timeout=(5, 10))  # the gateway retries
    assert (replay.status_code, replay.json()) == (200, {"result": "duplicate"})
    assert PaymentCallback.objects.count() == 1


def test_a_failed_payment_fails_and_cannot_then_be_paid(client, payment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(_path(payment) + "?lang=hi", {"method": "card", "outcome": "failed", "lang": "hi"})
        _pay(client, payment)

    order = _order(payment)
    assert response.status_code == 303 and order.state == SandboxOrder.State.FAILED and not order.payment_id
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.FAILED
    assert [(c.outcome, c.detail) for c in PaymentCallback.objects.all()] == [("applied", "failed")]
    assert json.loads(PaymentCallback.objects.get().body)["event"] == "payment.failed"
    page = client.get(response.headers["Location"]).content.decode()
    assert "भुगतान असफल" in page and "Payment failed" in page and 'name="outcome"' not in page


def test_an_expired_link_takes_no_payment(client, payment):
    SandboxOrder.objects.filter(pk=_order(payment).pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    page = client.get(_path(payment)).content.decode()
    response = _pay(client, payment)

    assert "This payment link has expired" in page and 'name="outcome"' not in page
    assert response.status_code == 303 and _order(payment).state == SandboxOrder.State.CREATED
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING
    assert not PaymentCallback.objects.exists()
    assert gateway_get("sandbox").link_state(payment).state == "expired"


def test_a_bad_upi_id_or_method_is_asked_again_and_nothing_moves(client, payment):
    bad_vpa = _pay(client, payment, vpa="not a upi id")
    bad_method = _pay(client, payment, method="wallet")

    assert bad_vpa.status_code == 400 and "Enter a UPI ID like name@bank." in bad_vpa.content.decode()
    assert bad_method.status_code == 400
    assert _order(payment).state == SandboxOrder.State.CREATED and not PaymentCallback.objects.exists()


def test_the_pay_post_needs_the_csrf_token(payment):
    response = _pay(Client(enforce_csrf_checks=True), payment)

    assert response.status_code == 403 and _order(payment).state == SandboxOrder.State.CREATED


@pytest.mark.parametrize("order_id", ["sbx_0123456789abcdef0123", "nope", "sbx_%27%3B--"])
def test_an_unknown_order_is_a_404_never_a_500(client, db, order_id):
    assert client.get(f"/pay/{order_id}/").status_code == 404
    response = client.post(f"/pay/{order_id}/", {"method": "upi", "outcome": "paid", "vpa": "a@b"})
    assert response.status_code == 404 and "Payment link not found" in response.content.decode()


def test_a_tampered_or_unsigned_callback_is_refused_and_changes_nothing(client, payment):
    order = _order(payment)
    event = {"event": "payment.paid", "event_id": "evt_forged", "order_id": order.order_id,
             "reference": "DLP26ABC123", "payment_id": "pay_sbx_forged", "amount": 100, "currency": "INR",
             "method": "upi", "created_at": 1}  # fmt: skip
    body = json.dumps(event).encode()
    signed = json.dumps({**event, "amount": 12_34_567_89}).encode()
    url = "/payments/callback/sandbox/"

    tampered = client.post(url, body, content_type="application/json", HTTP_X_SANDBOX_SIGNATURE=sandbox.sign(signed))
    wrong_key = client.post(url, body, content_type="application/json", HTTP_X_SANDBOX_SIGNATURE="sha256=" + "0" * 64)
    unsigned = client.post(url, body, content_type="application/json")

    assert (tampered.status_code, wrong_key.status_code, unsigned.status_code) == (403, 403, 401)
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING
    assert _order(payment).state == SandboxOrder.State.CREATED
    assert {(c.signature_valid, c.outcome) for c in PaymentCallback.objects.all()} == {(False, "rejected")}


def test_callback_verify_and_read():
    gateway = gateway_get("sandbox")
    body = b'{"event":"payment.refunded","event_id":"evt_1","order_id":"sbx_1","amount":500}'

    assert gateway.callback_verify(body=body, headers={"x-sandbox-signature": sandbox.sign(body)})
    assert not gateway.callback_verify(body=body + b" ", headers={"X-Sandbox-Signature": sandbox.sign(body)})
    assert not gateway.callback_verify(body=body, headers={})
    event = gateway.callback_read(json.loads(body))
    assert (event.event_id, event.kind, event.order_id, event.amount_paise) == ("evt_1", "other", "sbx_1", 500)
    assert gateway.callback_read({"event": "payment.failed", "event_id": "evt_2"}).kind == "failed"


def test_link_state_follows_the_order(client, payment, django_capture_on_commit_callbacks):
    gateway = gateway_get("sandbox")
    assert gateway.link_state(payment).state == "pending"

    with django_capture_on_commit_callbacks(execute=False):
        _pay(client, payment, method="netbanking")
    order, found = _order(payment), gateway.link_state(payment)

    assert (found.state, found.payment_id, found.amount_paise, found.currency, found.method) == (
        "paid", order.payment_id, 12_34_567_89, "INR", "netbanking"
    )  # fmt: skip
    assert found.paid_at == order.paid_at
    SandboxOrder.objects.filter(pk=order.pk).update(state=SandboxOrder.State.FAILED)
    assert gateway.link_state(payment).state == "failed"


def test_reconciliation_settles_a_payment_whose_callback_was_lost(payment):
    order = _order(payment)
    SandboxOrder.objects.filter(pk=order.pk).update(state="paid", payment_id="pay_sbx_lost", method="card",
                                                    paid_at=timezone.now())  # fmt: skip
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(hours=1))

    assert services.payment_reconcile(payment_id=payment.pk) == "paid"
    assert Payment.objects.get(pk=payment.pk).gateway_payment_id == "pay_sbx_lost"


def test_a_paid_payment_is_refunded_at_the_sandbox(client, payment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        _pay(client, payment)
        officer = make_officer(role=Officer.Role.DEPARTMENT_ADMIN, department=payment.service.department)
        refunded = services.payment_refund(payment=Payment.objects.get(pk=payment.pk), officer=officer,
                                           reason="Paid twice at the counter")  # fmt: skip
    order = _order(payment)

    assert refunded.state == Payment.State.REFUNDED
    assert (
        re.fullmatch(r"rfnd_sbx_[0-9a-f]{20}", refunded.gateway_refund_id)
        and order.refund_id == refunded.gateway_refund_id
    )
    assert order.state == SandboxOrder.State.REFUNDED
    assert gateway_get("sandbox").refund(refunded, reason="again") == order.refund_id  # once only
    assert "This payment was refunded" in client.get(_path(payment)).content.decode()


def test_an_unpaid_order_cannot_be_refunded(payment):
    with pytest.raises(GatewayError):
        gateway_get("sandbox").refund(payment, reason="nothing was paid")


def test_an_unreachable_callback_url_raises_for_the_task_to_retry(payment):
    SandboxOrder.objects.filter(pk=_order(payment).pk).update(callback_url="http://127.0.0.1:9/payments/callback/")

    with pytest.raises(GatewayError):
        sandbox.callback_deliver(order_id=payment.gateway_order_id, body="{}")


def test_production_refuses_the_sandbox(settings):
    from apps.core.checks import production_settings_check

    settings.GOVCHAT_ENV = "production"
    assert "govchat.E012" in {error.id for error in production_settings_check()}
