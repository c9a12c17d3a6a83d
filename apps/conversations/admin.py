from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from apps.departments.scoping import DepartmentScopedAdminMixin

from .models import Citizen, Conversation, Message


class ReadOnlyAdminMixin:
    """What citizens and Meta said is a record: the back office reads it, nobody edits it by hand."""

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


@admin.register(Citizen)
class CitizenAdmin(DepartmentScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    department_lookup = "conversations__number__department"
    list_display = ["__str__", "wa_id", "language", "consent_at", "opted_out_at", "created_at"]
    list_filter = ["language"]
    search_fields = ["wa_id", "user_id", "name"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()  # a citizen may write to several numbers


class MessageInline(DepartmentScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = Message
    department_lookup = "conversation__number__department"
    fields = ["created_at", "direction", "type", "body", "status", "error_code"]
    readonly_fields = fields
    ordering = ["-created_at"]
    extra = 0
    max_num = 0
    show_change_link = True


@admin.register(Conversation)
class ConversationAdmin(DepartmentScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    department_lookup = "number__department"
    list_display = ["citizen", "number", "mode", "assigned_officer", "last_inbound_at", "window_is_open"]
    list_filter = ["mode", ("number", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["citizen", "number", "assigned_officer"]
    search_fields = ["citizen__wa_id", "citizen__name"]
    inlines = [MessageInline]

    @admin.display(boolean=True, description=_("24-hour window open"))
    def window_is_open(self, obj: Conversation) -> bool:
        return obj.window_open()


@admin.register(Message)
class MessageAdmin(DepartmentScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    department_lookup = "conversation__number__department"
    list_display = ["created_at", "conversation", "direction", "type", "short_body", "status", "error_code"]
    list_filter = ["direction", "status", "needs_attention", "type"]
    list_select_related = ["conversation__citizen", "conversation__number"]
    search_fields = ["wamid", "body"]
    date_hierarchy = "created_at"
    paginator = CappedCountPaginator
    show_full_result_count = False

    @admin.display(description=_("text"))
    def short_body(self, obj: Message) -> str:
        return obj.body[:80]
