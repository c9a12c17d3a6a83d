"""Paying on WhatsApp from end to end, through the real webhook path: an application's fee on the sandbox
and on Razorpay (its fake on 127.0.0.1), a water bill and challans from the department's portal (its
fake), two links paid for one thing, a lost callback found by reconciliation, and the receipt."""

from decimal import Decimal

import pypdfium2
import pytest
from django.urls import reverse
from PIL import ImageStat

from apps.applications.models import Application
from apps.payments import services
from apps.payments.gateways.base import GatewayState
from apps.payments.models import Payment, PaymentCallback, Receipt
from apps.portals.config import portal_connection_secrets_set
from apps.portals.models import PortalConnection
from apps.services.models import FormField, Service
from tests.applications.test_apply_chat import CODE, answer_all_questions, begin, document_photo


def submit_with_fee(phone):
    Service.objects.filter(code=CODE).update(fee=Decimal("50"))
    begin(phone)
    answer_all_questions(phone)
    phone.send_file(document_photo())
    phone.tap("Next")
    phone.tap("Skip")
    return phone.tap("Submit")


@pytest.fixture
def checkout(client, django_capture_on_commit_callbacks, settings):
    """The citizen at the sandbox's checkout page: opens the link, pays (or fails) by UPI. What the payment
    sets off after commit (the callback, the receipt, the application moving on) runs, as it would."""

    def pay(url: str, *, outcome: str = "paid"):
        path = url.removeprefix(settings.SITE_URL)
        assert client.get(path).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, {"method": "upi", "vpa": "sunita@okaxis", "outcome": outcome})

    return pay


@pytest.fixture
def gateway_post(client, django_capture_on_commit_callbacks):
    """Razorpay posting a webhook to us."""

    def post(webhook):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("payments:callback", args=["razorpay"]), data=webhook.body,
                               content_type="application/json", headers=webhook.headers)  # fmt: skip

    return post


@pytest.fixture
def razorpay(razorpay_fake, settings):
    settings.PAYMENT_TIMEOUT = 1.0  # a whole chat runs around each call
    return razorpay_fake


def test_a_fee_is_paid_on_the_sandbox_and_the_receipt_comes_on_whatsapp(chat, form, client, checkout):
    phone = chat()
    done, pay = submit_with_fee(phone)
    assert "The fee is ₹50." in done.text
    assert "• Application fee: ₹50" in pay.text and "*Total: ₹50*" in pay.text and pay.button == "Pay ₹50"
    application = Application.objects.get(citizen__wa_id=phone.wa_id)
    payment = Payment.objects.get(application=application)
    assert payment.state == "pending" and payment.amount_paise == 5000 and payment.reference in pay.text

    assert checkout(pay.url).status_code in (200, 303)
    payment.refresh_from_db()
    application.refresh_from_db()
    assert payment.state == "paid" and payment.gateway_payment_id.startswith("pay_sbx_")
    assert application.state == "submitted" and application.due_date is not None  # the clock starts at payment
    replies = phone.replies()
    texts = [reply.text for reply in replies]
    assert any("Payment received: ₹50" in text and payment.reference in text for text in texts)
    documents = [r for r in replies if r.document]
    assert len(documents) == 1 and documents[0].document.endswith("/receipt.pdf")
    assert any(f"Your application {application.reference} for Test licence has reached the department" in t
               for t in texts)  # fmt: skip

    receipt = Receipt.objects.get(payment=payment)
    page = pypdfium2.PdfDocument(receipt.file.read())[0].render(scale=1).to_pil().convert("L")
    assert ImageStat.Stat(page).stddev[0] > 20  # not a blank page
    verify = client.get(reverse("documents:verify", args=[receipt.token]))
    assert verify.status_code == 200 and payment.reference.encode() in verify.content

    [status] = phone.send(payment.reference.lower())
    assert status.text.startswith(f"{payment.reference} (Test licence: application fee") and ": Paid." in status.text

    # Asking to pay again gives nothing to pay: it is paid, once.
    assert checkout(pay.url).status_code in (200, 303)
    assert Payment.objects.filter(application=application).count() == 1
    assert PaymentCallback.objects.filter(outcome="applied").count() == 1


def test_a_failed_payment_says_so_and_a_second_try_gets_a_new_link(chat, form, checkout):
    phone = chat()
    _, pay = submit_with_fee(phone)
    checkout(pay.url, outcome="failed")
    [failed] = phone.replies()
    assert "did not go through" in failed.text and failed.titles == ["Pay again"]
    [again] = phone.tap("Pay again")
    assert again.button == "Pay ₹50" and again.url != pay.url
    assert list(Payment.objects.order_by("id").values_list("state", flat=True)) == ["failed", "pending"]


def test_a_fee_is_paid_through_razorpay(chat, form, razorpay, gateway_post):
    phone = chat()
    _, pay = submit_with_fee(phone)
    payment = Payment.objects.get()
    link = razorpay.links[payment.gateway_order_id]
    assert pay.url == payment.checkout_url == link["short_url"]  # Razorpay's own page, not a sandbox one
    assert link["amount"] == 5000 and link["reference_id"] == payment.reference
    webhook = razorpay.pay(payment.gateway_order_id)
    assert gateway_post(webhook).status_code == 200
    payment.refresh_from_db()
    assert payment.state == "paid" and payment.gateway_payment_id.startswith("pay_")
    assert Application.objects.get().state == "submitted"
    assert any("Payment received" in reply.text for reply in phone.replies())
    # The very same webhook again (Razorpay retries): nothing more happens.
    again = gateway_post(webhook)
    assert again.json()["result"] == "duplicate" and Receipt.objects.count() == 1 and phone.replies() == []


def test_a_lost_callback_is_found_by_reconciliation(chat, form, razorpay, settings, django_capture_on_commit_callbacks):
    settings.PAYMENT_RECONCILE_AFTER_MINUTES = 0
    phone = chat()
    submit_with_fee(phone)
    payment = Payment.objects.get()
    razorpay.pay(payment.gateway_order_id)  # paid at Razorpay; its webhook never arrives
    assert services.payments_to_reconcile() == [payment.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.payment_reconcile(payment_id=payment.pk) == "paid"
    assert Application.objects.get().state == "submitted" and Receipt.objects.count() == 1
    assert services.payment_reconcile(payment_id=payment.pk) == "closed"  # twice: nothing more


def test_two_links_paid_for_one_fee_flag_the_second_for_a_refund(chat, form, razorpay, gateway_post):
    phone = chat()
    submit_with_fee(phone)
    first = Payment.objects.get()
    Payment.objects.filter(pk=first.pk).update(state="expired")  # the citizen let it lapse...
    phone.tap_id(f"pay:app:{first.application_id}")  # ...and asked for a new one
    second = Payment.objects.exclude(pk=first.pk).get()
    for payment in (second, first):  # then paid both (the old link was still open at Razorpay)
        gateway_post(razorpay.pay(payment.gateway_order_id))
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.state == "paid" and not second.needs_attention
    assert first.state == "expired" and first.needs_attention and "refund" in first.attention_reason
    assert Receipt.objects.count() == 1  # charged once as far as govchat is concerned; the officer refunds


@pytest.fixture
def djb_portal(settings, catalogue, portal_fake):
    fake = portal_fake
    settings.PORTAL_DEMO_ENABLED = False
    for connector in ("djb", "parivahan"):
        row = PortalConnection.objects.create(connector=connector, base_url=fake.base_url, auth_type="none",
                                              connect_timeout=1, read_timeout=0.5)  # fmt: skip
        portal_connection_secrets_set(connection=row, callback_secret="callback-secret")
    service = Service.objects.get(code="DJB-BILL")
    FormField.objects.create(service=service, key="k_number", type="text", label_en="K No. (consumer number)",
                             label_hi="के-नंबर", validation={"regex": "^[0-9]{10}$", "message_en": "10 digits",
                                                               "message_hi": "10 अंक"})  # fmt: skip
    challan = Service.objects.get(code="TPT-CHALLAN")
    FormField.objects.create(service=challan, key="vehicle_number", type="text", label_en="Vehicle number",
                             label_hi="गाड़ी का नंबर")  # fmt: skip
    return fake


def test_a_water_bill_is_found_by_its_k_number_paid_and_reported_to_the_portal(chat, djb_portal, checkout):
    djb_portal.add_dues("DJB-BILL", "1234567890", [{
        "demand_id": "DJB-1234567890-2611", "description_en": "Water bill, November 2026",
        "description_hi": "पानी का बिल, नवंबर 2026", "amount_paise": 98160, "breakup": [
            {"label_en": "Water charges", "label_hi": "पानी का शुल्क", "amount_paise": 41850},
            {"label_en": "Sewer charges", "label_hi": "सीवर शुल्क", "amount_paise": 25110},
            {"label_en": "Arrears", "label_hi": "बकाया", "amount_paise": 31200}]}])  # fmt: skip
    phone = chat()
    phone.start()
    [question] = phone.tap_id("act:pay:DJB-BILL")
    assert question.text.startswith("*K No. (consumer number)*")
    [again] = phone.send("12345")
    assert "10 digits" in again.text
    [bill] = phone.send("12345 67890")
    assert "*Water bill, November 2026*" in bill.text and "• Sewer charges: ₹251.10" in bill.text
    assert "*Total: ₹981.60*" in bill.text and bill.button == "Pay ₹981.60"
    payment = Payment.objects.get()
    assert payment.purpose == "water_bill" and payment.amount_paise == 98160 and payment.demand_id

    checkout(bill.url)
    payment.refresh_from_db()
    assert payment.state == "paid" and payment.portal_notified_at is not None
    assert (
        djb_portal.paid and list(djb_portal.paid)[0] == payment.reference or payment.reference in str(djb_portal.paid)
    )
    assert any("Payment received: ₹981.60" in reply.text for reply in phone.replies())

    phone.tap_id("act:pay:DJB-BILL")
    [nothing] = phone.send("1234567890")
    assert "Nothing is due on 1234567890" in nothing.text


def test_two_challans_on_one_vehicle_are_listed_and_one_is_paid(chat, djb_portal):
    djb_portal.add_dues("TPT-CHALLAN", "DL01AB1234", [{
        "demand_id": number, "description_en": f"Challan {number}", "description_hi": f"चालान {number}",
        "amount_paise": rupees * 100,
        "breakup": [{"label_en": "Fine", "label_hi": "जुर्माना", "amount_paise": rupees * 100}],
    } for number, rupees in (("DL116709250114100001", 2000), ("DL116709250203100002", 500))])  # fmt: skip
    phone = chat()
    phone.start("हिंदी")
    phone.tap_id("act:pay:TPT-CHALLAN")
    [choose] = phone.send("dl 01 ab 1234")
    assert "DL01AB1234 पर" in choose.text and [title for _, title in choose.rows] == ["₹2,000", "₹500"]
    [pay] = phone.tap("₹500")
    assert "*चालान DL116709250203100002*" in pay.text and pay.button == "₹500 का भुगतान करें"
    assert Payment.objects.get().demand_id == "DL116709250203100002"


def test_a_portal_that_is_down_is_said_so(chat, djb_portal):
    djb_portal.mode = "outage"
    phone = chat()
    phone.start()
    phone.tap_id("act:pay:DJB-BILL")
    [down] = phone.send("1234567890")
    assert "not answering just now" in down.text and down.titles == ["Try again", "Main menu"]
    assert not Payment.objects.exists()


def test_a_bill_with_a_link_open_from_another_number_is_not_handed_out(chat, djb_portal):
    djb_portal.add_dues("DJB-BILL", "2345678901", [{
        "demand_id": "DJB-2345678901-2611", "description_en": "Water bill", "description_hi": "पानी का बिल",
        "amount_paise": 42400,
        "breakup": [{"label_en": "Water", "label_hi": "पानी", "amount_paise": 42400}]}])  # fmt: skip
    owner, tenant = chat(wa_id="919811100001"), chat(wa_id="919811100002", name="Tenant")
    for phone in (owner, tenant):
        phone.start()
        phone.tap_id("act:pay:DJB-BILL")
    [link] = owner.send("2345678901")
    assert link.button == "Pay ₹424"
    [refused] = tenant.send("2345678901")
    assert "could not be made just now" in refused.text and not refused.url
    assert Payment.objects.get().citizen.wa_id == "919811100001"


def test_a_payment_whose_effects_were_lost_is_finished_by_the_sweep(chat, form, checkout, settings):
    from datetime import timedelta

    from django.utils import timezone

    from apps.payments.tasks import payments_reconcile_task

    phone = chat()
    _, pay = submit_with_fee(phone)
    payment = Payment.objects.get()
    found = GatewayState(state="paid", payment_id="pay_lost_1", amount_paise=5000, currency="INR")
    services.payment_settle(payment_id=payment.pk, found=found, source="test")  # its after-commit task is lost
    assert Application.objects.get().state == "payment_pending" and not Receipt.objects.exists()
    Payment.objects.filter(pk=payment.pk).update(paid_at=timezone.now() - timedelta(minutes=11))
    payments_reconcile_task()
    assert Application.objects.get().state == "submitted" and Receipt.objects.count() == 1
    payments_reconcile_task()  # and again: nothing more
    assert Receipt.objects.count() == 1


def test_a_link_with_minutes_left_is_cancelled_at_the_gateway_and_a_fresh_one_given(chat, form, razorpay):
    from datetime import timedelta

    from django.utils import timezone

    phone = chat()
    submit_with_fee(phone)
    old = Payment.objects.get()
    Payment.objects.filter(pk=old.pk).update(expires_at=timezone.now() + timedelta(minutes=2))
    [fresh] = phone.tap_id(f"pay:app:{old.application_id}")
    new = Payment.objects.exclude(pk=old.pk).get()
    old.refresh_from_db()
    assert old.state == "expired" and razorpay.links[old.gateway_order_id]["status"] == "cancelled"
    assert new.state == "pending" and fresh.url == new.checkout_url and fresh.button == "Pay ₹50"


def test_an_older_link_paid_late_closes_the_newer_one_at_the_gateway(chat, form, razorpay, gateway_post):
    phone = chat()
    submit_with_fee(phone)
    old = Payment.objects.get()
    Payment.objects.filter(pk=old.pk).update(state="expired")  # closed here; Razorpay could not be told
    phone.tap_id(f"pay:app:{old.application_id}")
    new = Payment.objects.exclude(pk=old.pk).get()
    gateway_post(razorpay.pay(old.gateway_order_id))  # the citizen paid the old link after all
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.state == "paid" and not old.needs_attention
    assert new.state == "expired" and razorpay.links[new.gateway_order_id]["status"] == "cancelled"
    assert Application.objects.get().state == "submitted" and Receipt.objects.count() == 1
