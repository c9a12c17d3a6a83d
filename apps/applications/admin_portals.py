"""The back office of applications at department portals: the outbox, where applications a portal refused
or never took are flagged for an officer, and the callbacks (the connections are in apps/portals/admin.py)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.admin import ReadOnlyAdminMixin
from apps.departments.scoping import DepartmentScopedAdminMixin

from .models import PortalCallbackEvent, PortalSubmission
from .portal_outbox import portal_submission_retry


class StateFilter(admin.SimpleListFilter):
    title = _("needs an officer")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("waiting", _("Waiting for the portal"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(state=PortalSubmission.State.FAILED)
        if self.value() == "waiting":
            return queryset.filter(state__in=[PortalSubmission.State.PENDING, PortalSubmission.State.SENDING])
        return queryset


@admin.register(PortalSubmission)
class PortalSubmissionAdmin(DepartmentScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    department_lookup = "application__service__department"
    list_display = ["idempotency_key", "connector", "state", "attempts", "next_attempt_at", "portal_reference",
                    "last_error_short"]  # fmt: skip
    list_filter = [StateFilter, "state", "connector"]
    list_select_related = ["application"]
    search_fields = ["idempotency_key", "portal_reference"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    show_full_result_count = False

    @admin.display(description=_("last error"))
    def last_error_short(self, obj: PortalSubmission) -> str:
        return obj.last_error[:120]

    def has_process_permission(self, request) -> bool:
        return not self._read_only(request) and request.user.has_perm("applications.process_application")

    @admin.action(description=_("Send again to the portal"), permissions=["process"])
    def send_again(self, request, queryset):
        sent = sum(
            portal_submission_retry(submission=row) for row in queryset.filter(state=PortalSubmission.State.FAILED)
        )
        text = ngettext("%d application queued again.", "%d applications queued again.", sent) % sent
        self.message_user(request, text, messages.SUCCESS if sent else messages.WARNING)


@admin.register(PortalCallbackEvent)
class PortalCallbackEventAdmin(DepartmentScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    department_lookup = "application__service__department"
    list_display = ["received_at", "connector", "event_id", "application", "portal_status", "to_state"]
    list_filter = ["connector", "to_state"]
    list_select_related = ["application"]
    search_fields = ["event_id", "application__reference", "application__portal_reference"]
    show_full_result_count = False
