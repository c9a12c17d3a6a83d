"""Department scoping for the back office, written once and used by every ModelAdmin and inline.

An officer of one department sees, changes and deletes only their department's rows: in the change list,
on a change page reached by guessing its URL, in bulk actions, in the choices of every foreign key that
points at another scoped model, and in department filters (use admin.RelatedOnlyFieldListFilter, which reads the scoped
queryset). State-wide users (superusers, state IT
admins, state auditors) see everything. Auditors never change anything.
"""

from django.db.models import QuerySet


class DepartmentScopedAdminMixin:
    """Mix into a ModelAdmin or InlineModelAdmin; set `department_lookup` to the path to the department.

    `department_lookup` is a queryset lookup that ends at the department's id: "department" for a model with
    a department foreign key, "service__department" for a service's documents, "pk" for Department itself.
    """

    department_lookup = "department"

    def scope_queryset(self, request, queryset: QuerySet) -> QuerySet:
        user = request.user
        if getattr(user, "is_state_wide", False):
            return queryset
        department_id = getattr(user, "department_id", None)
        if department_id is None:
            return queryset.none()
        return queryset.filter(**{self.department_lookup: department_id})

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if formfield is not None and isinstance(related_admin, DepartmentScopedAdminMixin):
            formfield.queryset = related_admin.scope_queryset(request, formfield.queryset)
            if not getattr(request.user, "is_state_wide", False) and formfield.queryset.count() == 1:
                formfield.initial = formfield.queryset.first().pk
        return formfield

    def _in_scope(self, request, obj) -> bool:
        if obj is None or getattr(request.user, "is_state_wide", False):
            return True
        model = self.model
        if obj._meta.model is not model:  # an inline asked about its parent object
            return True
        return self.scope_queryset(request, model._default_manager.filter(pk=obj.pk)).exists()

    def _read_only(self, request) -> bool:
        return getattr(request.user, "is_read_only", False)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_add_permission(self, request, *args):
        return not self._read_only(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return (
            not self._read_only(request)
            and super().has_change_permission(request, obj)
            and self._in_scope(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return (
            not self._read_only(request)
            and super().has_delete_permission(request, obj)
            and self._in_scope(request, obj)
        )
