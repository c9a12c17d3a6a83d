from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from apps.core.admin import CappedCountPaginator, ReadOnlyAdminMixin, StateWideOnlyAdminMixin
from apps.departments.scoping import DepartmentScopedAdminMixin

from .models import Citizen, Conversation, LLMCall, Message
from .services import conversation_hand_back, conversation_take


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
    fields = ["created_at", "direction", "type", "body", "transcribed", "status", "error_code"]
    readonly_fields = fields
    ordering = ["-created_at"]
    extra = 0
    max_num = 0
    show_change_link = True


@admin.register(Conversation)
class ConversationAdmin(DepartmentScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    department_lookup = "number__department"
    list_display = ["citizen", "number", "mode", "needs_attention", "handoff_reason", "handoff_at",
                    "assigned_officer", "last_inbound_at", "window_is_open"]  # fmt: skip
    list_filter = ["needs_attention", "mode", "handoff_reason", ("number", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["citizen", "number", "assigned_officer"]
    search_fields = ["citizen__wa_id", "citizen__name"]
    readonly_fields = ["state", "state_data", "failures"]
    inlines = [MessageInline]
    actions = ["take_over", "hand_back"]

    @admin.display(boolean=True, description=_("24-hour window open"))
    def window_is_open(self, obj: Conversation) -> bool:
        return obj.window_open()

    def has_handle_permission(self, request) -> bool:
        user = request.user
        return user.has_perm("conversations.handle_conversation") and not getattr(user, "is_read_only", False)

    @admin.action(description=_("Take over from the bot (I will reply)"), permissions=["handle"])
    def take_over(self, request, queryset):
        for conversation in queryset:
            conversation_take(conversation_id=conversation.pk, officer=request.user)
        self.message_user(request, _("You now hold %(count)d conversation(s); the bot stays quiet in them.")
                          % {"count": len(queryset)}, messages.SUCCESS)  # fmt: skip

    @admin.action(description=_("Hand back to the bot"), permissions=["handle"])
    def hand_back(self, request, queryset):
        count = sum(conversation_hand_back(conversation_id=conversation.pk) for conversation in queryset)
        self.message_user(request, _("%(count)d conversation(s) handed back to the bot; the citizen is told.")
                          % {"count": count}, messages.SUCCESS)  # fmt: skip


@admin.register(Message)
class MessageAdmin(DepartmentScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    department_lookup = "conversation__number__department"
    list_display = ["created_at", "conversation", "direction", "type", "short_body", "status", "error_code"]
    list_filter = ["direction", "status", "needs_attention", "type", "transcribed"]
    list_select_related = ["conversation__citizen", "conversation__number"]
    search_fields = ["wamid", "body"]
    date_hierarchy = "created_at"
    paginator = CappedCountPaginator
    show_full_result_count = False

    @admin.display(description=_("text"))
    def short_body(self, obj: Message) -> str:
        return obj.body[:80]


@admin.register(LLMCall)
class LLMCallAdmin(StateWideOnlyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every call to the model, for the state IT admin: latency, tokens, timeouts and failures."""

    list_display = ["started_at", "kind", "model", "outcome", "latency_ms", "prompt_tokens", "completion_tokens",
                    "error", "conversation_id"]  # fmt: skip
    list_filter = ["kind", "outcome", "model"]
    date_hierarchy = "started_at"
    paginator = CappedCountPaginator
    show_full_result_count = False
