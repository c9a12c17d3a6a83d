from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline

from apps.departments.scoping import DepartmentScopedAdminMixin

from .models import FieldChoice, FormField, RequiredDocument, Service
from .services import service_keep_inactive_unless_complete


class RequiredDocumentInline(DepartmentScopedAdminMixin, TranslationTabularInline):
    model = RequiredDocument
    department_lookup = "service__department"
    fields = ["position", "code", "name", "mandatory", "accepted_types", "max_size_mb"]
    extra = 0


class FormFieldInline(DepartmentScopedAdminMixin, TranslationStackedInline):
    model = FormField
    department_lookup = "service__department"
    fields = [("position", "key", "type", "required"), "label", "help_text", "validation"]
    extra = 0
    show_change_link = True  # choices are edited on the field's own page


@admin.register(Service)
class ServiceAdmin(DepartmentScopedAdminMixin, TranslationAdmin):
    list_display = ["code", "name_en", "name_hi", "department", "kind", "fee", "sla_days", "fulfilment", "is_active"]
    list_filter = [("department", admin.RelatedOnlyFieldListFilter), "kind", "fulfilment", "is_active"]
    list_select_related = ["department"]
    list_editable = ["is_active"]
    search_fields = ["code", "name_en", "name_hi", "synonyms_en", "synonyms_hi", "description_en", "description_hi"]
    ordering = ["department__code", "code"]
    fieldsets = [
        (None, {"fields": ["code", "department", "kind", "is_active"]}),
        (_("What citizens read"), {"fields": ["name", "description", "eligibility", "how_to"]}),
        (_("How citizens ask for it"), {"fields": ["synonyms"]}),
        (_("Fee, time limit and fulfilment"), {"fields": ["fee", "sla_days", "fulfilment", "connector"]}),
    ]
    inlines = [RequiredDocumentInline, FormFieldInline]

    def get_readonly_fields(self, request, obj=None):
        # Codes are identifiers (the catalogue files, applications and citizens' references use them).
        return ["code"] if obj is not None else []

    def get_actions(self, request):
        # Services are switched off, not deleted: applications and history refer to them.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        # A service from the catalogue files would come back on the next load; deactivate it instead.
        return super().has_delete_permission(request, obj) and not (obj and obj.catalogue_hash)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        problems = service_keep_inactive_unless_complete(service=form.instance)
        if problems:
            self.message_user(
                request,
                _("%(code)s is saved but stays inactive until this is fixed: %(problems)s")
                % {"code": form.instance.code, "problems": "; ".join(problems)},
                messages.WARNING,
            )


class FieldChoiceInline(DepartmentScopedAdminMixin, TranslationTabularInline):
    model = FieldChoice
    department_lookup = "field__service__department"
    fields = ["position", "value", "label"]
    extra = 0


@admin.register(FormField)
class FormFieldAdmin(DepartmentScopedAdminMixin, TranslationAdmin):
    department_lookup = "service__department"
    list_display = ["service", "key", "label_en", "label_hi", "type", "required"]
    list_filter = ["type", "required", ("service__department", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["service"]
    search_fields = ["key", "label_en", "label_hi", "service__code"]
    inlines = [FieldChoiceInline]


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(DepartmentScopedAdminMixin, TranslationAdmin):
    department_lookup = "service__department"
    list_display = ["service", "code", "name_en", "name_hi", "mandatory", "max_size_mb"]
    list_filter = ["mandatory", ("service__department", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["service"]
    search_fields = ["code", "name_en", "name_hi", "service__code"]
