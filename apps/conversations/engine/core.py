"""The conversation engine: one citizen message in, the bot's replies out, the state machine moved on.

Order of precedence for every message:
1. While officers have the conversation, the bot is silent (STOP still works; MENU while nobody has taken
   it yet brings the citizen back to the bot).
2. Words that work everywhere, even before consent: STOP / START, a language ("Hindi", "angrezi"), HELP.
3. Nothing else proceeds until the consent notice is agreed to; what the citizen first asked for is kept
   and answered right after they agree.
4. Taps (their ids say what to do), then typed text: a row number, OFFICER, CANCEL, BACK, MENU, the running
   flow's own answer, a reference, a service, an intent; else "not understood", and after three in a row an
   officer is asked to help.
"""

from __future__ import annotations

import re

from django.utils import timezone, translation

from ..models import Citizen, Conversation, Message
from ..services import conversation_handoff_request, conversation_handoff_withdraw
from . import ids, screens, texts
from .flows import APPLY, FLOWS, LOOKUP, PAY
from .questions import question_answer
from .turn import Turn
from .voice import voice_transcribe

MAX_FAILURES = 3
SILENT_TYPES = {"reaction", "system", "ephemeral", "request_welcome"}
BACK_WORDS = {"back", "go back", "previous", "peeche", "peechhe", "piche", "pichhe", "wapas", "vapas", "wapis",
              "वापस", "पीछे", "पिछला"}  # fmt: skip
AGREE_WORDS = {"agree", "i agree", "yes", "ok", "okay", "haan", "han", "haa", "ha", "ji", "haan ji", "sahmat",
               "main sahmat hoon", "हाँ", "हां", "जी", "हाँ जी", "सहमत", "मैं सहमत हूँ", "मैं सहमत हूं"}  # fmt: skip
DISAGREE_WORDS = {"no", "i do not agree", "disagree", "nahi", "nahin", "nhi", "asahmat", "नहीं", "असहमत"}


def engine_handle(*, conversation: Conversation, message: Message) -> Turn:
    """Answer one inbound message of a conversation whose row the caller holds locked; save the new state."""
    citizen = conversation.citizen
    if conversation.mode == Conversation.Mode.BOT and consented(citizen):  # nothing is sent out before consent
        voice_transcribe(message=message)
    turn = Turn(conversation=conversation, message=message)
    turn.offline = _answer_expected(turn)
    language = citizen.language or (turn.understanding.language if turn.is_text else "en")
    with translation.override(language):
        _handle(turn)
        if turn.failed:
            conversation.failures += 1
            if conversation.failures >= MAX_FAILURES:
                _handoff(turn, Conversation.HandoffReason.NOT_UNDERSTOOD)
        elif turn.sent:
            conversation.failures = 0
    conversation.save(update_fields=["state", "state_data", "failures", "updated_at"])
    return turn


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def consented(citizen: Citizen) -> bool:
    return citizen.consent_at is not None and citizen.consent_version == texts.CONSENT_VERSION


def _handle(turn: Turn) -> None:
    conversation, tap = turn.conversation, turn.reply_id
    if turn.message.type in SILENT_TYPES:
        return
    intent = turn.understanding.intent if turn.is_text else None
    if conversation.mode == Conversation.Mode.HUMAN:
        if intent == "opt_out":
            _opt_out(turn)
        elif conversation.assigned_officer_id is None and (intent in {"menu", "cancel"} or tap == ids.MENU):
            conversation_handoff_withdraw(conversation=conversation)
            screens.main_menu(turn, intro=texts.HANDOFF_WITHDRAWN)
        return  # officers answer now
    if intent == "opt_out" or (tap == ids.CONSENT_NO and consented(turn.citizen)):
        _opt_out(turn)
    elif intent == "opt_in":
        _opt_in(turn)
    elif language := _language_asked(turn):
        turn.language_set(language)
        _resume(turn)
    elif intent == "help":
        turn.say(texts.HELP)
    elif not consented(turn.citizen):
        _before_consent(turn)
    elif tap:
        _tap(turn, tap)
    elif not turn.is_text:
        if not APPLY.media(turn):
            turn.say(texts.TEXT_ONLY)
    elif APPLY.resume_after_break(turn, _previous_message_at(turn)):
        pass
    else:
        _typed(turn)


def _previous_message_at(turn: Turn):
    """When the citizen wrote before this message (None for their first)."""
    if turn.state != "flow":
        return None
    return (
        Message.objects.filter(conversation=turn.conversation, direction=Message.Direction.INBOUND,
                               created_at__lt=turn.message.created_at)
        .order_by("-created_at").values_list("created_at", flat=True).first()
    )  # fmt: skip


def _language_asked(turn: Turn) -> str | None:
    if turn.reply_id in {ids.LANGUAGE_HI, ids.LANGUAGE_EN}:
        return turn.reply_id.removeprefix("lang:")
    understanding = turn.understanding if turn.is_text else None
    if understanding and understanding.intent == "language":
        return understanding.target_language
    return None


def _resume(turn: Turn) -> None:
    """After a language change: carry on where the citizen was, now in their language."""
    if not consented(turn.citizen):
        screens.consent_notice(turn)
        return
    turn.say(texts.LANGUAGE_SET)
    data, state = turn.data, turn.state
    if state == "category":
        screens.category(turn, data.get("category", ""), page=data.get("page", 1))
    elif state == "service" and screens.service_card(turn, data.get("service", "")):
        pass
    elif state == "flow" and data.get("flow") in FLOWS:
        FLOWS[data["flow"]].start(turn, service=data.get("service") or None)
    else:
        screens.main_menu(turn)


def _before_consent(turn: Turn) -> None:
    citizen, tap, text = turn.citizen, turn.reply_id, _norm(turn.text) if turn.is_text else ""
    if tap == ids.CONSENT_YES or (turn.state == "consent" and text in AGREE_WORDS):
        now = timezone.now()
        Citizen.objects.filter(pk=citizen.pk).update(
            consent_at=now, consent_version=texts.CONSENT_VERSION, opted_out_at=None
        )
        citizen.consent_at, citizen.consent_version, citizen.opted_out_at = now, texts.CONSENT_VERSION, None
        pending = turn.data.get("pending")
        turn.say(texts.CONSENT_THANKS)
        if pending:
            turn.text_override = pending
            turn.__dict__.pop("understanding", None)
            _typed(turn)
        else:
            screens.main_menu(turn)
        return
    if tap == ids.CONSENT_NO or (turn.state == "consent" and text in DISAGREE_WORDS):
        turn.go("consent")
        turn.say(texts.CONSENT_REFUSED)
        return
    if turn.is_text and turn.understanding.intent not in {"greeting", "unknown", "menu", "language", "opt_in"}:
        turn.data["pending"] = turn.text[:1000]  # answered once they agree: nothing they typed is lost
    if not citizen.language:
        screens.welcome(turn)
    elif turn.state == "consent":
        screens.consent_reminder(turn)
    else:
        screens.consent_notice(turn)


def _tap(turn: Turn, tap: str) -> None:
    prefix, _, rest = tap.partition(":")
    if tap == ids.MENU or tap == ids.CONSENT_YES or prefix == "menu":
        screens.main_menu(turn)
    elif tap == ids.BACK:
        _back(turn)
    elif tap == ids.OFFICER:
        _handoff(turn, Conversation.HandoffReason.ASKED)
    elif prefix == "cat":
        key, _, page = rest.partition(":")
        if key == "officer":
            _handoff(turn, Conversation.HandoffReason.ASKED)
        else:
            screens.category(turn, key, page=int(page) if page.isdigit() else 1)
    elif prefix == "svc" and screens.service_card(turn, rest):
        pass
    elif prefix == "act" and rest.partition(":")[0] in FLOWS:
        flow, _, code = rest.partition(":")
        FLOWS[flow].start(turn, service=code or None)
    elif prefix in FLOWS:
        FLOWS[prefix].tap(turn, tap)
    else:
        screens.main_menu(turn)  # a button of something since removed (a service switched off)


def _typed(turn: Turn) -> None:
    understanding, state, data = turn.understanding, turn.state, turn.data
    intent, choices = understanding.intent, data.get("choices") or []
    if _answer_expected(turn) and not _command(turn):
        FLOWS[data["flow"]].handle(turn)  # a name, a date, a PIN code: the answer to the question asked
    elif understanding.number is not None and not understanding.reference:
        if 1 <= understanding.number <= len(choices):
            _tap(turn, choices[understanding.number - 1])
        else:
            _not_understood(turn)
    elif intent == "human":
        _handoff(turn, Conversation.HandoffReason.ASKED)
    elif intent == "cancel":
        if state == "flow" and data.get("flow") in FLOWS:
            FLOWS[data["flow"]].cancel(turn)
        screens.main_menu(turn, intro=texts.CANCELLED)
    elif _norm(turn.text) in BACK_WORDS:
        _back(turn)
    elif intent == "menu":
        screens.main_menu(turn)
    elif state == "flow" and data.get("flow") in FLOWS and FLOWS[data["flow"]].handle(turn):
        pass
    elif understanding.reference:
        FLOWS["status"].start(turn, reference=understanding.reference)
    elif question_answer(turn):
        pass
    elif understanding.service and screens.service_card(turn, understanding.service):
        pass
    else:
        _intent(turn, intent)


def _answer_expected(turn: Turn) -> bool:
    """A question of a form is waiting for its answer (what is typed is an answer, read offline)."""
    return APPLY.wants_answer(turn) or LOOKUP.wants_answer(turn) or PAY.wants_answer(turn)


def _command(turn: Turn) -> bool:
    """A short message that is one of the words that work everywhere (MENU, CANCEL, BACK, OFFICER, HELP)."""
    text = _norm(turn.text)
    if text in BACK_WORDS:
        return True
    understanding = turn.understanding
    if understanding.number is not None:  # "2" picks a row elsewhere; here it is an answer (a ward, an age)
        return False
    return len(text.split()) <= 3 and understanding.intent in {"menu", "cancel", "human", "help", "opt_out"}


def _intent(turn: Turn, intent: str) -> None:
    """A message that names no service and no reference."""
    if intent == "status":
        FLOWS["status"].start(turn)
    elif intent in {"grievance", "feedback"}:
        screens.category(turn, "grievances")
    elif intent == "pay":
        screens.category(turn, "bills")
    elif intent == "greeting":
        screens.main_menu(turn, intro=texts.GREETING)
    elif intent in {"apply", "service_info", "language", "opt_in"}:
        screens.main_menu(turn)
    else:
        _not_understood(turn)


def _back(turn: Turn) -> None:
    state, data = turn.state, turn.data
    if state == "flow" and data.get("flow") in FLOWS and FLOWS[data["flow"]].back(turn):
        return
    if state == "service" and data.get("category"):
        screens.category(turn, data["category"])
    elif state == "flow" and data.get("flow") in FLOWS:
        FLOWS[data["flow"]].cancel(turn)
        if not (data.get("service") and screens.service_card(turn, data["service"])):
            screens.main_menu(turn)
    else:
        screens.main_menu(turn)


def _not_understood(turn: Turn) -> None:
    turn.failed = True
    if turn.conversation.failures + 1 < MAX_FAILURES:  # the third time, an officer is asked instead
        turn.ask(texts.NOT_UNDERSTOOD, [(ids.MENU, texts.MAIN_MENU), (ids.OFFICER, texts.TALK_TO_OFFICER)])


def _handoff(turn: Turn, reason: str) -> None:
    conversation = turn.conversation
    conversation_handoff_request(conversation=conversation, reason=reason)
    conversation.failures = 0
    turn.failed = False
    turn.go("menu")
    department = conversation.number.department.name
    intro = texts.HANDOFF_NOT_UNDERSTOOD if reason == Conversation.HandoffReason.NOT_UNDERSTOOD else ""
    turn.say(intro, texts.HANDOFF % {"department": department})


def _opt_out(turn: Turn) -> None:
    now = timezone.now()
    Citizen.objects.filter(pk=turn.citizen.pk).update(
        opted_out_at=now, consent_withdrawn_at=now, consent_at=None, consent_version=""
    )
    citizen = turn.citizen
    citizen.opted_out_at, citizen.consent_withdrawn_at, citizen.consent_at, citizen.consent_version = now, now, None, ""
    turn.go("new")  # their next message shows the whole notice again
    turn.say(texts.OPTED_OUT)


def _opt_in(turn: Turn) -> None:
    citizen = turn.citizen
    if citizen.opted_out_at is not None:
        Citizen.objects.filter(pk=citizen.pk).update(opted_out_at=None)
        citizen.opted_out_at = None
        turn.say(texts.OPTED_IN)
    if not citizen.language:
        screens.welcome(turn)
    elif not consented(citizen):
        screens.consent_notice(turn)
    else:
        screens.main_menu(turn)
