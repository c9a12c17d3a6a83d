"""Reading the catalogue the way citizens meet it: active services of active departments."""

from django.db.models import Prefetch, QuerySet

from .models import FormField, Service


def service_list(*, department_code: str | None = None, kind: str | None = None) -> QuerySet[Service]:
    """Active services of active departments, in menu order, optionally of one department or kind."""
    services = Service.objects.filter(is_active=True, department__is_active=True).select_related("department")
    if department_code:
        services = services.filter(department__code=department_code.upper())
    if kind:
        services = services.filter(kind=kind)
    return services.order_by("department__code", "code")


def service_get_by_code(*, code: str) -> Service | None:
    """One active service with its documents and form fields (and their choices) loaded, or None."""
    return (
        service_list()
        .prefetch_related("documents", Prefetch("fields", queryset=FormField.objects.prefetch_related("choices")))
        .filter(code=code.strip().upper())
        .first()
    )
