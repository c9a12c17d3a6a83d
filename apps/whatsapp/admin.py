from django.contrib import admin

from apps.core.admin import CappedCountPaginator, ReadOnlyAdminMixin, StateWideOnlyAdminMixin

from .models import StatusEvent, WebhookEvent


@admin.register(WebhookEvent)
class WebhookEventAdmin(StateWideOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """What Meta posted, for the state IT admin: events for unknown numbers or not understood are flagged."""

    list_display = ["received_at", "message_count", "status_count", "unknown_number", "not_understood"]
    list_filter = ["unknown_number", "not_understood"]
    date_hierarchy = "received_at"
    paginator = CappedCountPaginator
    show_full_result_count = False


@admin.register(StatusEvent)
class StatusEventAdmin(StateWideOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "wamid", "status", "error_code", "pricing_category"]
    list_filter = ["status"]
    search_fields = ["wamid"]
    paginator = CappedCountPaginator
    show_full_result_count = False
