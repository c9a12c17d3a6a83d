"""Payments in the back office: read-only, scoped to the officer's department. Money is never edited after the
fact: the only thing an officer does to a payment is refund it (a button, a reason, `services.payment_refund`).
The daily collection page sums what came in and went back, per day and service, in the database."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdminMixin, StateWideOnlyAdminMixin
from apps.core.exceptions import ApplicationError
from apps.core.formatting import rupees
from apps.departments.models import Department
from apps.departments.scoping import DepartmentScopedAdminMixin

from . import selectors, services
from .gateways.base import GatewayError
from .models import Payment, PaymentCallback, SandboxOrder
from .receipts import masked_number

State = Payment.State
COLLECTION_DAYS = 7
COLLECTION_MAX_DAYS = 92


class RefundForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the refund"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Kept with the payment and sent to the citizen."),
    )


class CollectionForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    department = forms.ModelChoiceField(label=_("department"), queryset=Department.objects.none(), required=False,
                                        empty_label=_("All departments"))  # fmt: skip

    def __init__(self, *args, state_wide: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if state_wide:
            self.fields["department"].queryset = Department.objects.order_by("code")
        else:
            del self.fields["department"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The first day is after the last."))
        if start and end and (end - start).days >= COLLECTION_MAX_DAYS:
            raise forms.ValidationError(_("Choose at most %(days)d days.") % {"days": COLLECTION_MAX_DAYS})
        return data


class CallbackInline(ReadOnlyAdminMixin, DepartmentScopedAdminMixin, admin.TabularInline):
    model = PaymentCallback
    department_lookup = "payment__service__department"
    fields = ["received_at", "provider", "event_id", "signature_valid", "outcome", "detail"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("callbacks received from the gateway")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, DepartmentScopedAdminMixin, admin.ModelAdmin):
    department_lookup = "service__department"
    list_display = ["reference", "purpose", "service_name", "amount", "state", "paid_at", "method", "needs_attention",
                    "citizen_number"]  # fmt: skip
    list_select_related = ["service", "citizen"]
    search_fields = ["reference", "gateway_order_id", "gateway_payment_id", "gateway_refund_id", "demand_id",
                     "application__reference"]  # fmt: skip
    search_help_text = _("Our reference, the gateway's link, transaction or refund id, the demand, or the application.")
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["reference", "purpose", "service", "application_link", "demand_id", "description_en",
                           "description_hi", "breakup_table", "amount", "state", "citizen_number"]}),
        (_("Gateway"), {"fields": ["provider", "gateway_order_id", "gateway_payment_id", "method", "paid_at",
                                   "expires_at", "closed_at", "last_checked_at", "receipt_link"]}),
        (_("Needs an officer"), {"fields": ["needs_attention", "attention_reason"]}),
        (_("Refund"), {"fields": ["refund_reason", "refunded_by", "gateway_refund_id"]}),
    ]  # fmt: skip
    readonly_fields = [name for _section, options in fieldsets for name in options["fields"]]
    inlines = [CallbackInline]
    empty_value_display = "—"

    def get_list_filter(self, request):
        filters = ["state", "purpose", ("service", admin.RelatedOnlyFieldListFilter), "paid_at", "needs_attention"]
        if getattr(request.user, "is_state_wide", False):
            filters.insert(3, ("service__department", admin.RelatedOnlyFieldListFilter))
        return filters

    def has_refund_permission(self, request, obj=None) -> bool:
        return (request.user.has_perm("payments.refund_payment") and not self._read_only(request)
                and self._in_scope(request, obj))  # fmt: skip

    @staticmethod
    def refundable(payment: Payment) -> bool:
        return bool(payment.gateway_payment_id) and (payment.state == State.PAID or payment.needs_attention)

    @admin.display(description=_("amount"), ordering="amount_paise")
    def amount(self, obj: Payment) -> str:
        return obj.rupees

    @admin.display(description=_("service"), ordering="service__code")
    def service_name(self, obj: Payment) -> str:
        return format_html('<span title="{}">{}</span>', obj.service.code, obj.service.name)

    @admin.display(description=_("citizen"))
    def citizen_number(self, obj: Payment) -> str:
        return masked_number(obj.citizen.wa_id)

    @admin.display(description=_("application"))
    def application_link(self, obj: Payment) -> str:
        if obj.application is None:
            return "—"
        url = reverse(f"{self.admin_site.name}:applications_application_change", args=[obj.application_id])
        return format_html('<a href="{}">{}</a>', url, obj.application.reference or obj.application_id)

    @admin.display(description=_("break-up"))
    def breakup_table(self, obj: Payment) -> str:
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td class=\"govchat-money\">{}</td></tr>", (
            (line.get("label_en", ""), line.get("label_hi", ""), rupees(int(line.get("amount_paise") or 0)))
            for line in obj.breakup or []
        ))  # fmt: skip
        total = '<tr><th colspan="2">{}</th><th class="govchat-money">{}</th></tr>'
        return format_html('<table class="govchat-breakup">{}' + total + "</table>", rows, gettext("Total"), obj.rupees)

    @admin.display(description=_("receipt"))
    def receipt_link(self, obj: Payment) -> str:
        receipt = getattr(obj, "receipt", None)  # None when there is none (the reverse one-to-one raises)
        if receipt is None:
            return "—"
        url = reverse(f"{self.admin_site.name}:payments_payment_receipt", args=[obj.pk])
        return format_html('{} · {} · <a href="{}" target="_blank">PDF</a>', receipt.number,
                           formats.date_format(timezone.localtime(receipt.created_at), "SHORT_DATETIME_FORMAT"),
                           url)  # fmt: skip

    # Pages and URLs.

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("daily-collection/", view(self.collection_view), name=f"{info}_collection"),
            path("<path:object_id>/receipt/", view(self.receipt_view), name=f"{info}_receipt"),
            path("<path:object_id>/refund/", view(self.refund_view), name=f"{info}_refund"),
            *super().get_urls(),
        ]

    def _payment_or_404(self, request, object_id) -> Payment:
        payment = self.get_object(request, unquote(object_id))
        if payment is None:  # not there, or another department's: the same answer
            raise Http404(gettext("No such payment."))
        if not self.has_view_permission(request, payment):
            raise PermissionDenied
        return payment

    def change_view(self, request, object_id, form_url="", extra_context=None):
        payment = self._payment_or_404(request, object_id)
        context = {"payment": payment, "subtitle": None,
                   "title": gettext("Payment %(reference)s") % {"reference": payment.reference}}  # fmt: skip
        if self.has_refund_permission(request, payment) and self.refundable(payment):
            context["refund_form"] = RefundForm()
            context["refund_url"] = reverse(f"{self.admin_site.name}:payments_payment_refund", args=[payment.pk])
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def changelist_view(self, request, extra_context=None):
        url = reverse(f"{self.admin_site.name}:payments_payment_collection")
        return super().changelist_view(request, {**(extra_context or {}), "collection_url": url})

    def refund_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        payment = self._payment_or_404(request, object_id)
        if not self.has_refund_permission(request, payment):
            raise PermissionDenied
        form = RefundForm(request.POST)
        if not form.is_valid():
            self.message_user(request, gettext("Give the reason for the refund."), messages.ERROR)
        else:
            try:
                payment = services.payment_refund(payment=payment, officer=request.user,
                                                  reason=form.cleaned_data["reason"])  # fmt: skip
            except ApplicationError as error:
                self.message_user(request, str(error), messages.ERROR)
            except GatewayError as error:
                self.message_user(request, gettext("The gateway did not refund it: %(error)s") % {"error": error},
                                  messages.ERROR)  # fmt: skip
            else:
                self.message_user(request, gettext("%(reference)s refunded (%(amount)s). The citizen is told on "
                                                   "WhatsApp.") % {"reference": payment, "amount": payment.rupees},
                                  messages.SUCCESS)  # fmt: skip
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:payments_payment_change", args=[payment.pk]))

    def receipt_view(self, request, object_id):
        payment = self._payment_or_404(request, object_id)
        receipt = getattr(payment, "receipt", None)
        if receipt is None or not receipt.file:
            raise Http404
        try:
            handle = receipt.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404(gettext("The file is missing from storage.")) from None
        response = FileResponse(handle, content_type="application/pdf",
                                filename=receipt.number.replace("/", "-") + ".pdf")  # fmt: skip
        response["Cache-Control"] = "private, no-store"
        return response

    def collection_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        state_wide = getattr(request.user, "is_state_wide", False)
        today = timezone.localdate()
        initial = {"start": today - datetime.timedelta(days=COLLECTION_DAYS - 1), "end": today}
        form = CollectionForm(request.GET or None, initial=initial, state_wide=state_wide)
        collection, start, end = None, initial["start"], initial["end"]
        valid = form.is_valid() if request.GET else True
        if valid:
            data = form.cleaned_data if request.GET else initial
            start, end = data["start"], data["end"]
            queryset = self.get_queryset(request)
            if data.get("department"):
                queryset = queryset.filter(service__department=data["department"])
            collection = selectors.payment_daily_collection(queryset=queryset, start=start, end=end)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Daily collection"),
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "collection": collection,
            "start": start,
            "end": end,
            "department": None if state_wide else request.user.department,
        }
        return TemplateResponse(request, "admin/payments/payment/daily_collection.html", context)


@admin.register(PaymentCallback)
class PaymentCallbackAdmin(ReadOnlyAdminMixin, StateWideOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "provider", "event_id", "payment", "signature_valid", "outcome", "detail"]
    list_filter = ["provider", "outcome", "signature_valid", "received_at"]
    list_select_related = ["payment"]
    search_fields = ["event_id", "payment__reference"]
    show_full_result_count = False
    readonly_fields = ["provider", "event_id", "payment", "received_at", "body", "signature_valid", "outcome",
                       "detail"]  # fmt: skip


@admin.register(SandboxOrder)
class SandboxOrderAdmin(ReadOnlyAdminMixin, StateWideOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order_id", "reference", "amount", "state", "method", "created_at", "paid_at"]
    list_filter = ["state", "created_at"]
    search_fields = ["order_id", "reference", "payment_id", "refund_id"]
    show_full_result_count = False
    readonly_fields = ["order_id", "reference", "description", "amount_paise", "currency", "state", "payment_id",
                       "refund_id", "method", "callback_url", "expires_at", "paid_at", "created_at"]  # fmt: skip

    @admin.display(description=_("amount"), ordering="amount_paise")
    def amount(self, obj: SandboxOrder) -> str:
        return rupees(obj.amount_paise)
