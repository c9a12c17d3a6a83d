"""The sandbox checkout page on a 360 px phone in a real Chromium: the tabs switch without scripts, paying
settles the payment through the signed callback, failing fails it; in English and in Hindi."""

import pytest
from django.conf import settings as django_settings

from apps.payments.models import Payment, PaymentCallback, SandboxOrder
from apps.payments.services import checkout
from tests.factories import make_conversation, make_department, make_number, make_service

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 360, "height": 740}


@pytest.fixture(autouse=True)
def _sandbox(settings, live_server):
    settings.PAYMENT_GATEWAY = "sandbox"
    settings.SITE_URL = live_server.url


def _payment(reference: str, demand_id: str) -> Payment:
    department = make_department(name_en="Delhi Jal Board", name_hi="दिल्ली जल बोर्ड")
    service = make_service(department=department, code=f"{department.code}-BILL")
    conversation = make_conversation(number=make_number(department=department, display_number="+911140000003"))
    payment = Payment.objects.create(
        reference=reference, purpose=Payment.Purpose.WATER_BILL, service=service, demand_id=demand_id,
        description_en="Water bill, K No. 1234567890, March 2026",
        description_hi="पानी का बिल, के नं. 1234567890, मार्च 2026",
        amount_paise=1_84_650, citizen=conversation.citizen, conversation=conversation, provider="sandbox",
    )  # fmt: skip
    return checkout._link(payment)


def _phone(browser, locale: str):
    context = browser.new_context(viewport=PHONE, locale=locale, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _shot(page, path: str) -> None:
    page.screenshot(path=path, full_page=True)
    folder = django_settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / path.rsplit("/", 1)[-1]), full_page=True)


def test_a_citizen_switches_tabs_and_pays_on_a_phone(browser):
    payment = _payment("DLP26WTR001", "1234567890/2026-03")
    context, page = _phone(browser, "en-IN")
    page.goto(payment.checkout_url)

    assert "₹1,846.50" in page.inner_text(".amount") and "DLP26WTR001" in page.inner_text(".meta")
    assert page.locator("#vpa").is_visible() and not page.locator("#card-number").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sideways
    _shot(page, "/tmp/checkout.png")

    page.click("label[for=t-card]")
    assert page.locator("#card-number").is_visible() and not page.locator("#vpa").is_visible()
    page.fill("#card-number", "4111 1111 1111 1111")
    page.click("label[for=t-nb]")
    page.select_option("#bank", "State Bank of India")
    assert page.locator("#bank").is_visible()

    page.click("label[for=t-upi]")
    page.fill("#vpa", "sunita@okhdfcbank")
    page.click(".p-upi button.pay")
    page.locator(".status.ok").wait_for()

    assert "Payment successful" in page.inner_text("h1")
    assert "receipt on WhatsApp" in page.inner_text("main")
    assert page.get_attribute("a.wa", "href") == "https://wa.me/911140000003"
    _shot(page, "/tmp/checkout-paid.png")
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PAID
    assert SandboxOrder.objects.get(order_id=payment.gateway_order_id).method == "upi"
    assert list(PaymentCallback.objects.values_list("outcome", flat=True)) == ["applied"]
    context.close()


def test_in_hindi_a_failure_can_be_simulated(browser):
    payment = _payment("DLP26WTR002", "1234567890/2026-04")
    context, page = _phone(browser, "hi-IN")
    page.goto(payment.checkout_url)

    assert "कोई असली पैसा नहीं कटेगा" in page.inner_text(".sandbox")
    assert "₹1,846.50 का भुगतान करें" in page.inner_text(".p-upi button.pay")
    _shot(page, "/tmp/checkout-hi.png")

    page.click("label[for=t-card]")
    page.click(".p-card button.fail")  # no card details needed to fail
    page.locator(".status.bad").wait_for()

    assert "भुगतान असफल" in page.inner_text("h1")
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.FAILED
    _shot(page, "/tmp/checkout-failed-hi.png")
    context.close()
