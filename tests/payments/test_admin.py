"""Payments in the back office: scoped lists, nothing editable, the refund button, the daily collection."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.departments.models import Officer
from apps.payments.models import Payment, PaymentCallback, SandboxOrder
from tests.factories import make_citizen, make_conversation, make_department, make_officer, make_service

pytestmark = pytest.mark.django_db

_n = iter(range(1, 10_000))


def make_payment(*, service, state="paid", amount=123450, paid_at=None, **fields) -> Payment:
    n = next(_n)
    conversation = make_conversation(citizen=make_citizen(wa_id=f"9198000{n:05d}"))
    money = state in ("paid", "refunded") or fields.get("needs_attention")
    values = {
        "reference": f"DLP25{n:07d}", "purpose": Payment.Purpose.PROPERTY_TAX, "service": service,
        "demand_id": f"PID-{n}", "description_en": f"Property tax, property {n}", "description_hi": f"संपत्ति कर {n}",
        "breakup": [{"label_en": "Tax", "label_hi": "कर", "amount_paise": amount}], "amount_paise": amount,
        "state": state, "citizen": conversation.citizen, "conversation": conversation, "provider": "sandbox",
        "gateway_order_id": f"sbx_{n:020x}", "gateway_payment_id": f"pay_sbx_{n:08d}" if money else None,
        "method": "upi" if money else "",
        "paid_at": (paid_at or timezone.now()) if state in ("paid", "refunded") else None,
    }  # fmt: skip
    return Payment.objects.create(**{**values, **fields})


@pytest.fixture
def world():
    mcd, djb = make_department(code="MCD"), make_department(code="DJB")
    mcd_tax = make_service(department=mcd, code="MCD-PTAX", name_en="Property tax")
    djb_bill = make_service(department=djb, code="DJB-BILL", name_en="Water bill")
    return {
        "mcd": mcd, "djb": djb, "mcd_tax": mcd_tax, "djb_bill": djb_bill,
        "mcd_paid": make_payment(service=mcd_tax),
        "djb_paid": make_payment(service=djb_bill, amount=55000),
        "mcd_admin": make_officer(role=Officer.Role.DEPARTMENT_ADMIN, department=mcd, username="mcd.admin"),
        "djb_admin": make_officer(role=Officer.Role.DEPARTMENT_ADMIN, department=djb, username="djb.admin"),
        "mcd_officer": make_officer(role=Officer.Role.OFFICER, department=mcd),
        "auditor": make_officer(role=Officer.Role.AUDITOR),
        "state_admin": make_officer(role=Officer.Role.STATE_ADMIN),
    }  # fmt: skip


def page(client, officer, url, **params) -> str:
    client.force_login(officer)
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def change_url(payment):
    return reverse("admin:payments_payment_change", args=[payment.pk])


def test_the_list_is_scoped_to_the_department_and_masks_the_citizen(client, world):
    mcd_page = page(client, world["mcd_admin"], reverse("admin:payments_payment_changelist"))
    state_page = page(client, world["state_admin"], reverse("admin:payments_payment_changelist"))

    assert world["mcd_paid"].reference in mcd_page and world["djb_paid"].reference not in mcd_page
    assert "₹1,234.50" in mcd_page and "••••••" + world["mcd_paid"].citizen.wa_id[-4:] in mcd_page
    assert world["mcd_paid"].citizen.wa_id not in mcd_page
    assert world["mcd_paid"].reference in state_page and world["djb_paid"].reference in state_page
    assert "service__department__id__exact" in state_page and "service__department__id__exact" not in mcd_page
    assert reverse("admin:payments_payment_collection") in mcd_page


def test_another_departments_payment_is_out_of_reach(client, world):
    client.force_login(world["mcd_admin"])
    djb_paid = world["djb_paid"]

    assert client.get(change_url(djb_paid)).status_code in (302, 404)
    assert client.get(reverse("admin:payments_payment_receipt", args=[djb_paid.pk])).status_code == 404
    response = client.post(reverse("admin:payments_payment_refund", args=[djb_paid.pk]), {"reason": "x"})
    assert response.status_code == 404
    djb_paid.refresh_from_db()
    assert djb_paid.state == "paid"


def test_the_filters_and_search(client, world):
    flagged = make_payment(service=world["mcd_tax"], state="pending", needs_attention=True,
                           attention_reason="paid twice")  # fmt: skip
    open_one = make_payment(service=world["mcd_tax"], state="pending")
    url = reverse("admin:payments_payment_changelist")

    by_flag = page(client, world["mcd_admin"], url, needs_attention__exact="1")
    by_state = page(client, world["mcd_admin"], url, state__exact="pending")
    by_search = page(client, world["state_admin"], url, q=world["djb_paid"].gateway_payment_id)
    by_department = page(client, world["state_admin"], url, service__department__id__exact=world["djb"].pk)

    assert flagged.reference in by_flag and open_one.reference not in by_flag
    assert flagged.reference in by_state and open_one.reference in by_state
    assert world["mcd_paid"].reference not in by_state
    assert world["djb_paid"].reference in by_search and world["mcd_paid"].reference not in by_search
    assert world["djb_paid"].reference in by_department and world["mcd_paid"].reference not in by_department


def test_nothing_is_added_changed_or_deleted(client, world):
    client.force_login(world["state_admin"])
    payment = world["mcd_paid"]

    assert client.get(reverse("admin:payments_payment_add")).status_code == 403
    assert client.post(reverse("admin:payments_payment_delete", args=[payment.pk]), {"post": "yes"}).status_code == 403
    response = client.get(change_url(payment))
    page_ = response.content.decode()
    assert response.status_code == 200
    assert 'name="amount_paise"' not in page_ and "_save" not in page_ and "deletelink" not in page_
    assert "Tax" in page_ and "₹1,234.50" in page_  # the break-up
    client.post(change_url(payment), {"amount_paise": "1", "state": "failed"})
    payment.refresh_from_db()
    assert payment.amount_paise == 123450 and payment.state == "paid"
    assert Payment.objects.count() == 2


def test_the_change_page_shows_callbacks_and_the_receipt_link(client, world, django_capture_on_commit_callbacks):
    from apps.payments.receipts import receipt_issue

    payment = world["mcd_paid"]
    PaymentCallback.objects.create(provider="sandbox", event_id="evt_1", payment=payment, body="{}",
                                   signature_valid=True, outcome="applied", detail="paid")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        receipt = receipt_issue(payment=payment)

    html = page(client, world["mcd_officer"], change_url(payment))
    pdf_url = reverse("admin:payments_payment_receipt", args=[payment.pk])

    assert "evt_1" in html and "Applied" in html and receipt.number in html and pdf_url in html
    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.force_login(world["djb_admin"])
    assert client.get(pdf_url).status_code == 404


def test_the_refund_button_is_only_for_admins_of_the_department_and_state_admins(client, world):
    payment = world["mcd_paid"]
    refund_url = reverse("admin:payments_payment_refund", args=[payment.pk])

    for officer, shown in ((world["mcd_admin"], True), (world["state_admin"], True), (world["mcd_officer"], False),
                           (world["auditor"], False)):  # fmt: skip
        html = page(client, officer, change_url(payment))
        assert (refund_url in html) is shown, officer.role
    for officer in (world["mcd_officer"], world["auditor"]):
        client.force_login(officer)
        assert client.post(refund_url, {"reason": "Paid twice"}).status_code == 403
    payment.refresh_from_db()
    assert payment.state == "paid"


def test_no_refund_button_for_a_payment_without_money(client, world):
    pending = make_payment(service=world["mcd_tax"], state="pending")

    html = page(client, world["mcd_admin"], change_url(pending))

    assert reverse("admin:payments_payment_refund", args=[pending.pk]) not in html


def test_a_refund_needs_a_reason(client, world):
    client.force_login(world["mcd_admin"])
    payment = world["mcd_paid"]

    response = client.post(reverse("admin:payments_payment_refund", args=[payment.pk]), {"reason": "  "},
                           follow=True)  # fmt: skip

    assert "Give the reason for the refund." in response.content.decode()
    payment.refresh_from_db()
    assert payment.state == "paid"


def test_a_refund_with_a_reason_goes_through_the_gateway(client, world, settings, django_capture_on_commit_callbacks):
    pytest.importorskip("apps.payments.gateways.sandbox")
    settings.PAYMENT_GATEWAY = "sandbox"
    payment = world["mcd_paid"]
    SandboxOrder.objects.create(order_id=payment.gateway_order_id, reference=payment.reference, description="tax",
                                amount_paise=payment.amount_paise, state="paid", payment_id=payment.gateway_payment_id,
                                method="upi", callback_url="http://127.0.0.1/cb/", expires_at=timezone.now(),
                                paid_at=timezone.now())  # fmt: skip
    client.force_login(world["mcd_admin"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:payments_payment_refund", args=[payment.pk]),
                               {"reason": "Paid twice for the same year"}, follow=True)  # fmt: skip

    payment.refresh_from_db()
    assert payment.state == "refunded" and payment.refund_reason == "Paid twice for the same year"
    assert payment.refunded_by == world["mcd_admin"] and payment.gateway_refund_id
    assert "refunded" in response.content.decode()
    again = client.post(reverse("admin:payments_payment_refund", args=[payment.pk]), {"reason": "again"}, follow=True)
    assert reverse("admin:payments_payment_refund", args=[payment.pk]) not in again.content.decode()


def test_the_daily_collection_sums_per_day_and_service(client, world):
    today = timezone.localdate()
    noon = datetime.combine(today, datetime.min.time(), tzinfo=timezone.get_current_timezone()) + timedelta(hours=12)
    yesterday = noon - timedelta(days=1)
    Payment.objects.update(paid_at=noon)
    make_payment(service=world["mcd_tax"], amount=10000, paid_at=noon)
    make_payment(service=world["mcd_tax"], amount=5050, paid_at=yesterday)
    make_payment(service=world["mcd_tax"], amount=20000, paid_at=yesterday, state="refunded", closed_at=noon)
    make_payment(service=world["mcd_tax"], state="pending")
    make_payment(service=world["mcd_tax"], state="pending", needs_attention=True)
    make_payment(service=world["mcd_tax"], amount=99900, paid_at=noon - timedelta(days=30))  # outside the range
    url = reverse("admin:payments_payment_collection")

    html = page(client, world["mcd_admin"], url)

    # Today: ₹1,234.50 + ₹100 received, ₹200 refunded; yesterday ₹50.50 + ₹200 received. DJB's ₹550 not here.
    assert "₹1,334.50" in html and "₹1,134.50" in html  # received today; net today
    assert "₹250.50" in html and "₹1,585" in html  # received yesterday; received in the seven days
    assert "₹1,385" in html  # net of the seven days
    assert "₹550" not in html and "₹999" not in html and "Water bill" not in html
    total = html[html.index('id="collection-total"') :]
    cells = [cell.split("<")[0] for cell in total.split('class="govchat-money">')[1:8]]
    assert cells == ["4", "₹1,585", "1", "₹200", "₹1,385", "2", "1"]

    state_html = page(client, world["state_admin"], url, start=str(today - timedelta(days=1)), end=str(today),
                      department=str(world["djb"].pk))  # fmt: skip
    assert "Water bill" in state_html and "₹550" in state_html and "Property tax" not in state_html
    wide = page(client, world["state_admin"], url, start=str(today - timedelta(days=40)), end=str(today))
    assert "₹999" in wide and "₹550" in wide


def test_the_daily_collection_refuses_a_backward_range(client, world):
    today = timezone.localdate()

    html = page(client, world["mcd_admin"], reverse("admin:payments_payment_collection"),
                start=str(today), end=str(today - timedelta(days=3)))  # fmt: skip

    assert "The first day is after the last." in html and 'id="collection"' not in html


def test_callbacks_and_sandbox_orders_are_for_state_wide_users_only(client, world):
    for name in ("payments_paymentcallback_changelist", "payments_sandboxorder_changelist"):
        client.force_login(world["mcd_admin"])
        assert client.get(reverse(f"admin:{name}")).status_code == 403
        client.force_login(world["state_admin"])
        assert client.get(reverse(f"admin:{name}")).status_code == 200
    client.force_login(world["state_admin"])
    assert client.get(reverse("admin:payments_paymentcallback_add")).status_code == 403
