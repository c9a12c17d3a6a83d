"""The officer's side of applications: the queue (overdue first), a read-only page per application with its
answers, documents and history, and one button per move the officer may make. Each button posts to an
admin URL that calls the service; the citizens' files are served only through a view that checks scope."""

import datetime
import re

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from apps.core.aadhaar import aadhaar_mask
from apps.core.exceptions import ApplicationError
from apps.core.formatting import date_display, rupees
from apps.core.sla import DUE_SOON_DAYS
from apps.departments.scoping import DepartmentScopedAdminMixin

from . import admin_portals, selectors  # noqa: F401 (admin_portals registers the portals' back office)
from .admin_actions import ACTIONS
from .models import Application, ApplicationDocument, ApplicationTransition, Certificate

State = Application.State
# Only these are shown in the browser; anything else is offered as a download (never rendered).
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def masked_number(wa_id: str) -> str:
    return f"••••{wa_id[-4:]}" if wa_id else "—"


def clock_html(application: Application) -> str:
    """ "5 days late" (red), "due today", "3 days left", or how a closed application ended against its clock."""
    late = application.days_late()
    if application.is_open and application.due_date:
        if late:
            text = ngettext("%(days)d day late", "%(days)d days late", late) % {"days": late}
            return format_html('<span class="govchat-late">{}</span>', text)
        left = application.days_left()
        if left == 0:
            return format_html('<span class="govchat-soon">{}</span>', gettext("due today"))
        text = ngettext("%(days)d day left", "%(days)d days left", left) % {"days": left}
        css = "govchat-soon" if left <= DUE_SOON_DAYS else "govchat-on-time"
        return format_html('<span class="{}">{}</span>', css, text)
    if application.closed_at and application.state in (State.REJECTED, State.ISSUED):
        if late:
            text = ngettext("closed %(days)d day late", "closed %(days)d days late", late) % {"days": late}
            return format_html('<span class="govchat-late-closed">{}</span>', text)
        return gettext("closed on time")
    return "—"


def compensation_html(application: Application) -> str:
    amount = application.compensation()
    if not amount:
        return "—"
    # Red while it still grows; a closed application's amount is settled (and does not mark the row).
    return format_html('<span class="{}">{}</span>', "govchat-late" if application.is_open else "govchat-late-closed",
                       rupees(amount * 100))  # fmt: skip


def answer_rows(application: Application) -> list[tuple[str, str]]:
    """(label, value) for each answer, labels in the active language, Aadhaar numbers only masked."""
    answers = dict(application.answers or {})
    rows = []
    for field in application.service.fields.prefetch_related("choices"):
        if field.key in answers:
            rows.append((field.label, answer_display(field, answers.pop(field.key))))
    # Keys of fields removed since the citizen answered; "_" keys are the chat's own bookkeeping.
    rows += [(key, answer_display(None, value)) for key, value in answers.items() if not key.startswith("_")]
    return rows


def answer_display(field, value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    text = str(value)
    kind = field.type if field is not None else ""
    if kind == "aadhaar":
        digits = re.sub(r"\D", "", text)
        return f"XXXX XXXX {digits[-4:]}" if len(digits) >= 4 else "XXXX XXXX XXXX"
    if kind == "choice":
        choice = next((c for c in field.choices.all() if c.value == text), None)
        return choice.label if choice else text
    if kind == "date":
        try:
            return date_display(day=datetime.date.fromisoformat(text))
        except ValueError:
            pass
    return aadhaar_mask(text)


class StateFilter(admin.SimpleListFilter):
    """By state; drafts (still being filled in by the citizen) are left out unless asked for."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open (an answer is owed)")), *State.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset.exclude(state=State.DRAFT)
        if value == "open":
            return queryset.filter(state__in=Application.OPEN)
        return queryset.filter(state=value)

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        choices[0]["display"] = _("All but drafts")
        return choices


class ClockFilter(admin.SimpleListFilter):
    title = _("statutory clock")
    parameter_name = "clock"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")),
                ("due_soon", _("Due within %(days)d days") % {"days": DUE_SOON_DAYS}),
                ("on_time", _("On time"))]  # fmt: skip

    def queryset(self, request, queryset):
        q = {"overdue": selectors.application_overdue_q, "due_soon": selectors.application_due_soon_q,
             "on_time": selectors.application_on_time_q}.get(self.value())  # fmt: skip
        return queryset.filter(q(today=timezone.localdate())) if q else queryset


class ReadOnlyInline(DepartmentScopedAdminMixin, admin.TabularInline):
    department_lookup = "application__service__department"
    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DocumentInline(ReadOnlyInline):
    model = ApplicationDocument
    fields = ["document", "preview", "content_type", "size_kb", "pages", "on_request", "created_at"]
    readonly_fields = fields
    verbose_name_plural = _("documents the citizen sent")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application__service")

    @admin.display(description=_("document"))
    def document(self, obj: ApplicationDocument) -> str:
        slot = obj.application.service.documents.filter(code=obj.slot).first()
        return format_html("{}<br><code>{}</code>", slot.name if slot else obj.slot, obj.slot)

    @admin.display(description=_("preview"))
    def preview(self, obj: ApplicationDocument) -> str:
        url = reverse(f"{self.admin_site.name}:applications_application_document", args=[obj.application_id, obj.pk])
        if obj.content_type in ("image/jpeg", "image/png"):
            return format_html('<a href="{}" target="_blank"><img src="{}" class="govchat-preview" alt="{}"></a>',
                               url, url, obj.slot)  # fmt: skip
        if obj.content_type == "application/pdf":
            return format_html(
                '<iframe src="{}" class="govchat-preview-pdf" title="{}"></iframe><br>'
                '<a href="{}" target="_blank">{}</a>',
                url, obj.slot, url, gettext("Open the PDF"),
            )  # fmt: skip
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))

    @admin.display(description=_("sent on request"))
    def on_request(self, obj: ApplicationDocument) -> str:
        return gettext("yes") if obj.requested else ""

    @admin.display(description=_("size"))
    def size_kb(self, obj: ApplicationDocument) -> str:
        return f"{obj.size / 1024:,.0f} KB" if obj.size >= 1024 else f"{obj.size} B"


class TransitionInline(ReadOnlyInline):
    model = ApplicationTransition
    fields = ["created_at", "from_state", "to_state", "actor", "officer", "note", "notified_at"]
    readonly_fields = fields
    verbose_name_plural = _("history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("officer")


@admin.register(Application)
class ApplicationAdmin(DepartmentScopedAdminMixin, admin.ModelAdmin):
    department_lookup = "service__department"
    # What decides the order of work comes first, so it stays in view on a narrow screen.
    list_display = ["reference", "clock", "compensation_due", "due_date", "state", "service_name", "citizen_column",
                    "submitted_on"]  # fmt: skip
    list_select_related = ["service", "citizen"]
    search_fields = ["reference", "citizen__wa_id", "portal_reference"]
    search_help_text = _("Reference, the citizen's WhatsApp number (or its last digits), or the portal reference.")
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        (_("Details"), {"fields": ["service", "citizen_display", "language", "fee", "submitted_at", "closed_at",
                                   "officer", "portal_reference", "portal_status", "certificate_display"]}),
        (_("Asked of the citizen"), {"fields": ["requested_slots", "officer_note", "rejection_reason"]}),
    ]  # fmt: skip
    readonly_fields = [name for _section, options in fieldsets for name in options["fields"]]
    inlines = [DocumentInline, TransitionInline]  # the template shows the documents before the details
    empty_value_display = "—"

    def get_queryset(self, request):
        # Annotated before it is ordered: ModelAdmin.get_queryset would order by the annotations first.
        queryset = self.model._default_manager.select_related("service", "citizen", "conversation")
        queryset = selectors.application_queue(queryset=queryset, today=timezone.localdate())
        return self.scope_queryset(request, queryset).order_by(*selectors.QUEUE_ORDERING)

    def get_ordering(self, request):
        return selectors.QUEUE_ORDERING

    def get_list_filter(self, request):
        filters = [StateFilter, ClockFilter, ("service", admin.RelatedOnlyFieldListFilter), "submitted_at"]
        if getattr(request.user, "is_state_wide", False):
            filters.insert(2, ("service__department", admin.RelatedOnlyFieldListFilter))
        return filters

    # Applications come from the chat and are moved only by the buttons below (services), never edited.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_process_permission(self, request, obj=None) -> bool:
        user = request.user
        return (user.has_perm("applications.process_application") and not self._read_only(request)
                and self._in_scope(request, obj))  # fmt: skip

    @admin.display(description=_("service"), ordering="service__code")
    def service_name(self, obj: Application) -> str:
        return format_html('<span title="{}">{}</span>', obj.service.code, obj.service.name)

    @admin.display(description=_("citizen"), ordering="citizen__name")
    def citizen_column(self, obj: Application) -> str:
        return format_html("{}<br><small>{}</small>", obj.citizen.name or "—", masked_number(obj.citizen.wa_id))

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted_on(self, obj: Application) -> str:
        if obj.submitted_at is None:
            return "—"
        return formats.date_format(timezone.localtime(obj.submitted_at), "SHORT_DATE_FORMAT")

    @admin.display(description=_("citizen"))
    def citizen_display(self, obj: Application) -> str:
        return f"{obj.citizen.name or '—'} · {masked_number(obj.citizen.wa_id)}"

    @admin.display(description=_("days left"), ordering="due_date")
    def clock(self, obj: Application) -> str:
        return clock_html(obj)

    @admin.display(description=_("compensation owed"))
    def compensation_due(self, obj: Application) -> str:
        return compensation_html(obj)

    @admin.display(description=_("officer"))
    def officer(self, obj: Application) -> str:
        officer = obj.assigned_officer
        return (officer.get_full_name() or officer.get_username()) if officer else "—"

    @admin.display(description=_("documents requested"))
    def requested_slots(self, obj: Application) -> str:
        names = {document.code: document.name for document in obj.service.documents.all()}
        return ", ".join(names.get(code, code) for code in obj.requested_documents or []) or "—"

    @admin.display(description=_("certificate"))
    def certificate_display(self, obj: Application) -> str:
        try:
            certificate = obj.certificate
        except Certificate.DoesNotExist:
            return "—"
        url = reverse(f"{self.admin_site.name}:applications_application_certificate", args=[obj.pk])
        revoked = format_html(" · <strong>{}</strong>", gettext("revoked")) if certificate.revoked_at else ""
        return format_html('{} · {} · <a href="{}" target="_blank">PDF</a>{}', certificate.number,
                           formats.date_format(certificate.issued_on), url, revoked)  # fmt: skip

    # Pages and URLs.

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/documents/<int:document_id>/",
                 view(xframe_options_sameorigin(self.document_view)), name=f"{info}_document"),
            path("<path:object_id>/certificate/", view(xframe_options_sameorigin(self.certificate_view)),
                 name=f"{info}_certificate"),
            path("<path:object_id>/act/<slug:action>/", view(self.action_view), name=f"{info}_act"),
            *super().get_urls(),
        ]  # fmt: skip

    def _application_or_404(self, request, object_id) -> Application:
        application = self.get_object(request, unquote(object_id))
        if application is None:  # not there, or another department's: the same answer
            raise Http404(gettext("No such application."))
        if not self.has_view_permission(request, application):
            raise PermissionDenied
        return application

    def changelist_view(self, request, extra_context=None):
        if self.has_view_or_change_permission(request):
            queryset = self.scope_queryset(request, self.model._default_manager.all())
            extra_context = {**(extra_context or {}), "due_soon_days": DUE_SOON_DAYS,
                             "queue": selectors.application_queue_counts(queryset=queryset,
                                                                         today=timezone.localdate())}  # fmt: skip
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self._application_or_404(request, object_id)
        actions = []
        if self.has_process_permission(request, application):
            actions = [
                {"action": action, "url": reverse(f"{self.admin_site.name}:applications_application_act",
                                                  args=[application.pk, action.name]),
                 "form": action.form_class(application=application, prefix=action.name)}
                for action in ACTIONS.values() if action.offered(application.state)
            ]  # fmt: skip
        context = {
            "title": gettext("Application %(reference)s") % {"reference": application},
            "subtitle": None,
            "citizen": self.citizen_display(application),
            "application": application,
            "application_actions": actions,
            "answer_rows": answer_rows(application),
            "clock": clock_html(application),
            "compensation": compensation_html(application),
        }
        return super().change_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def action_view(self, request, object_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        application = self._application_or_404(request, object_id)
        if not self.has_process_permission(request, application):
            raise PermissionDenied
        action = ACTIONS.get(action)
        if action is None:
            raise Http404
        form = action.form_class(request.POST, application=application, prefix=action.name)
        if not form.is_valid():
            problems = [f"{form.fields[name].label}: {' '.join(errors)}" if name in form.fields else " ".join(errors)
                        for name, errors in form.errors.items()]  # fmt: skip
            self.message_user(request, " ".join(problems), messages.ERROR)
        else:
            try:
                application = action.run(application=application, officer=request.user, **form.cleaned_data)
            except ApplicationError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                state = application.get_state_display()
                done = gettext("%(reference)s is now: %(state)s.") % {"reference": application, "state": state}
                if action.tells_citizen:
                    done += " " + gettext("The citizen is told on WhatsApp.")
                self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:applications_application_change", args=[application.pk])
        )

    def document_view(self, request, object_id, document_id):
        application = self._application_or_404(request, object_id)
        document = application.documents.filter(pk=document_id).first()
        if document is None:
            raise Http404
        return _file_response(document.file, document.content_type, f"{application}-{document.slot}")

    def certificate_view(self, request, object_id):
        application = self._application_or_404(request, object_id)
        certificate = Certificate.objects.filter(application=application).first()
        if certificate is None:
            raise Http404
        return _file_response(certificate.file, "application/pdf", certificate.number)


def _file_response(file, content_type: str, name: str) -> FileResponse:
    """A citizen's file, to the officer only: never cached by a shared cache, never sniffed as another type."""
    inline = content_type in INLINE_TYPES
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(content_type, "bin")
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(gettext("The file is missing from storage.")) from None
    response = FileResponse(handle, content_type=content_type if inline else "application/octet-stream",
                            as_attachment=not inline, filename=f"{name}.{extension}")  # fmt: skip
    response["Cache-Control"] = "private, no-store"
    return response
