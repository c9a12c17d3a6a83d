from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django_celery_beat import admin as beat_admin
from django_celery_beat import models as beat_models
from modeltranslation.admin import TranslationAdmin

from apps.core.admin import StateWideOnlyAdminMixin
from apps.core.exceptions import ApplicationError

from .models import Department, Officer, WhatsAppNumber
from .scoping import DepartmentScopedAdminMixin
from .services import officer_role_assign, whatsapp_number_token_set

# Roles are the only way to grant permissions (ROLE_PERMISSIONS in services.py), so groups are not edited
# by hand; the beat schedule belongs to no department, so only state-wide users see it.
admin.site.unregister(Group)
for model, model_admin in [
    (beat_models.PeriodicTask, beat_admin.PeriodicTaskAdmin),
    (beat_models.IntervalSchedule, beat_admin.IntervalScheduleAdmin),
    (beat_models.CrontabSchedule, beat_admin.CrontabScheduleAdmin),
    (beat_models.SolarSchedule, beat_admin.SolarScheduleAdmin),
    (beat_models.ClockedSchedule, beat_admin.ClockedScheduleAdmin),
]:
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (StateWideOnlyAdminMixin, model_admin), {}))


@admin.register(Department)
class DepartmentAdmin(DepartmentScopedAdminMixin, TranslationAdmin):
    department_lookup = "pk"
    list_display = ["code", "name_en", "name_hi", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        # Codes are identifiers: the catalogue files, services and citizens' references use them.
        return ["code"] if obj is not None else []

    list_filter = ["is_active"]
    search_fields = ["code", "name_en", "name_hi"]
    ordering = ["code"]


class WhatsAppNumberForm(forms.ModelForm):
    # Write-only: the stored token is never put back into the page.
    new_access_token = forms.CharField(
        label=_("New access token"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("A system user's permanent token from Meta Business Settings. Leave empty to keep the stored one."),
    )

    class Meta:
        model = WhatsAppNumber
        fields = ["department", "label", "display_number", "phone_number_id", "is_active"]


@admin.register(WhatsAppNumber)
class WhatsAppNumberAdmin(DepartmentScopedAdminMixin, admin.ModelAdmin):
    form = WhatsAppNumberForm
    list_display = ["display_number", "label", "department", "phone_number_id", "token_state", "is_active"]
    list_filter = [("department", admin.RelatedOnlyFieldListFilter), "is_active"]
    list_select_related = ["department"]
    search_fields = ["display_number", "label", "phone_number_id"]
    readonly_fields = ["token_state"]

    def get_readonly_fields(self, request, obj=None):
        # The phone number ID routes webhooks to a department: only state IT admins provision numbers.
        if obj is not None and not request.user.is_state_wide:
            return ["department", "display_number", "phone_number_id", "token_state"]
        return self.readonly_fields

    @admin.display(description=_("access token"))
    def token_state(self, obj: WhatsAppNumber) -> str:
        if not obj.has_access_token:
            return _("not set")
        updated = obj.access_token_updated_at
        when = timezone.localtime(updated).strftime("%d %b %Y %H:%M") if updated else "?"
        return _("set, encrypted (updated %(when)s)") % {"when": when}

    @method_decorator(sensitive_post_parameters("new_access_token"))
    def changeform_view(self, request, *args, **kwargs):
        return super().changeform_view(request, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            # Never write back the token columns as they were read: a token set meanwhile would be lost.
            model_fields = {field.name for field in obj._meta.concrete_fields}
            fields = [name for name in form.changed_data if name in model_fields]
            obj.save(update_fields=[*fields, "updated_at"])
        else:
            obj.save()
        if form.cleaned_data.get("new_access_token"):
            whatsapp_number_token_set(number=obj, token=form.cleaned_data["new_access_token"])


class OfficerCreationForm(UserCreationForm):
    class Meta:
        model = Officer
        fields = ["username", "role", "department"]


class OfficerChangeForm(UserChangeForm):
    class Meta:
        model = Officer
        fields = "__all__"


@admin.register(Officer)
class OfficerAdmin(DepartmentScopedAdminMixin, UserAdmin):
    """Officers' logins. Permissions come only from the role (a group per role), never set by hand."""

    form = OfficerChangeForm
    add_form = OfficerCreationForm
    list_display = ["username", "first_name", "last_name", "role", "department", "is_active", "last_login"]
    list_filter = ["role", ("department", admin.RelatedOnlyFieldListFilter), "is_active"]
    list_select_related = ["department"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Role"), {"fields": ["role", "department", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "role", "department", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request):
        officers = super().get_queryset(request)
        return officers if request.user.is_superuser else officers.exclude(is_superuser=True)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser and obj is not None:
            fieldsets = [*fieldsets, (_("Superuser"), {"fields": ["is_superuser"]})]
        return fieldsets

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        formfield = super().formfield_for_choice_field(db_field, request, **kwargs)
        if db_field.name == "role" and not request.user.is_state_wide:
            formfield.choices = [c for c in formfield.choices if c[0] != Officer.Role.STATE_ADMIN]
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "department" and not request.user.is_state_wide:
            formfield.required = True
            formfield.empty_label = None
        return formfield

    def save_model(self, request, obj, form, change):
        try:
            officer_role_assign(actor=request.user, officer=obj)
        except ApplicationError as exc:
            raise PermissionDenied(exc.message) from exc
