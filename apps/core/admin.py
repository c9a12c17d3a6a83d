from django.contrib import admin
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from apps.departments.scoping import StateWideOnlyAdminMixin

from .models import Heartbeat


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
