"""The back office of the department portals' connections: state IT admins only, secrets write-only."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from apps.core.admin import StateWideOnlyAdminMixin

from .callbacks import callback_states
from .config import connection_problems, portal_connection_secrets_set
from .models import PortalConnection

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
                                       states=callback_states(), paths=paths)  # fmt: skip
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
