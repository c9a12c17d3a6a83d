"""The back office of the department portals: connections (state IT admins only; secrets write-only), the
outbox, where applications a portal refused or never took are flagged for an officer, and the callbacks."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from apps.core.admin import ReadOnlyAdminMixin, StateWideOnlyAdminMixin
from apps.departments.scoping import DepartmentScopedAdminMixin

from .models import Application, PortalCallbackEvent, PortalConnection, PortalSubmission
from .portals.config import connection_problems, portal_connection_secrets_set
from .portals.services import portal_submission_retry

SECRET_WIDGET = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})


class PortalConnectionForm(forms.ModelForm):
    base_url = forms.URLField(label=_("base URL"), max_length=300, assume_scheme="https")
    # Write-only: stored secrets are never put back into the page.
    new_secret = forms.CharField(label=_("New token, key or password"), required=False, strip=True,
                                 widget=SECRET_WIDGET, help_text=_("Leave empty to keep the stored one."))  # fmt: skip
    new_callback_secret = forms.CharField(
        label=_("New callback signing secret"), required=False, strip=True, widget=SECRET_WIDGET,
        help_text=_("The portal signs its callbacks with it (HMAC-SHA256 of the body, X-Portal-Signature)."),
    )  # fmt: skip

    class Meta:
        model = PortalConnection
        fields = ["connector", "enabled", "base_url", "auth_type", "auth_header", "username", "connect_timeout",
                  "read_timeout", "submit_path", "status_path", "lookup_path", "field_map", "status_map"]  # fmt: skip

    def clean(self):
        data = super().clean()
        paths = {name: data.get(name, "") for name in ("submit_path", "status_path", "lookup_path")}
        problems = connection_problems(field_map=data.get("field_map", {}), status_map=data.get("status_map", {}),
                                       states=set(Application.State.values), paths=paths)  # fmt: skip
        for name, problem in problems.items():
            self.add_error(name, problem)
        for name in ("connect_timeout", "read_timeout"):
            if data.get(name) is not None and not 0 < data[name] <= 120:
                self.add_error(name, _("Between 0 and 120 seconds."))
        return data


@admin.register(PortalConnection)
class PortalConnectionAdmin(StateWideOnlyAdminMixin, admin.ModelAdmin):
    form = PortalConnectionForm
    list_display = ["connector", "base_url", "auth_type", "enabled", "secrets_state"]
    list_filter = ["enabled", "auth_type"]
    readonly_fields = ["secrets_state"]

    @admin.display(description=_("secrets"))
    def secrets_state(self, obj: PortalConnection) -> str:
        if not (obj.secret_encrypted or obj.callback_secret_encrypted):
            return _("not set")
        when = timezone.localtime(obj.secrets_updated_at).strftime("%d %b %Y %H:%M") if obj.secrets_updated_at else "?"
        parts = [
            str(_("credential")) if obj.secret_encrypted else "",
            str(_("callback")) if obj.callback_secret_encrypted else "",
        ]
        return _("%(which)s set, encrypted (updated %(when)s)") % {
            "which": ", ".join(p for p in parts if p),
            "when": when,
        }

    @method_decorator(sensitive_post_parameters("new_secret", "new_callback_secret"))
    def changeform_view(self, request, *args, **kwargs):
        return super().changeform_view(request, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        portal_connection_secrets_set(connection=obj, secret=form.cleaned_data.get("new_secret", ""),
                                      callback_secret=form.cleaned_data.get("new_callback_secret", ""))  # fmt: skip


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
