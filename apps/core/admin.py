"""What every app's back office shares: read-only records, state-wide-only pages, and a paginator that
never counts a table of millions; and the heartbeats' own page."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from .models import Heartbeat


class ReadOnlyAdminMixin:
    """What citizens, Meta, gateways and services recorded: the back office reads it, nobody edits it by hand."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CappedCountPaginator(Paginator):
    """Message tables grow to millions of rows: count at most 10,000 of them for the page links."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.CAP + 1].count()


class StateWideOnlyAdminMixin:
    """For admins of rows that belong to no department (the beat schedule, heartbeats): only state-wide
    users (superusers, state IT admins, state auditors) see them, whatever their role's permissions say."""

    def _state_wide(self, request) -> bool:
        return getattr(request.user, "is_state_wide", False)

    def has_module_permission(self, request):
        return self._state_wide(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._state_wide(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return (
            self._state_wide(request) and not request.user.is_read_only and super().has_add_permission(request, *args)
        )

    def has_change_permission(self, request, obj=None):
        return (
            self._state_wide(request) and not request.user.is_read_only and super().has_change_permission(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return (
            self._state_wide(request) and not request.user.is_read_only and super().has_delete_permission(request, obj)
        )


@admin.register(Heartbeat)
class HeartbeatAdmin(StateWideOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "hostname", "last_seen", "age"]
    readonly_fields = ["name", "hostname", "last_seen"]

    @admin.display(description=_("age"))
    def age(self, obj: Heartbeat) -> str:
        return timesince(obj.last_seen, timezone.now())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
