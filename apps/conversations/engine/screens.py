"""What the bot shows: the welcome, the consent notice, the menus and a service's card.

Each screen moves the state machine to itself first (`turn.go`), then sends, so the state names what the
citizen is looking at, and "back" and a typed row number work from there.
"""

from __future__ import annotations

from django.utils import translation

from apps.services.categories import CATEGORIES, OFFICER, STATUS, service_category, service_list_for_category
from apps.services.models import Service
from apps.services.selectors import service_get_by_code

from ..outbound import Row
from . import ids, texts
from .turn import Turn


def welcome(turn: Turn) -> None:
    """First contact: who we are and the language choice, in both languages (we do not know theirs yet)."""
    turn.go("language", **_pending(turn))
    lines = []
    for language in ("hi", "en"):
        with translation.override(language):
            lines.append(f"{texts.WELCOME} {texts.CHOOSE_LANGUAGE}")
    turn.ask("\n\n".join(lines), [(ids.LANGUAGE_HI, "हिंदी"), (ids.LANGUAGE_EN, "English")])


def consent_notice(turn: Turn) -> None:
    turn.go("consent", **_pending(turn))
    turn.ask(texts.CONSENT_NOTICE, [(ids.CONSENT_YES, texts.AGREE), (ids.CONSENT_NO, texts.DISAGREE)])


def consent_reminder(turn: Turn) -> None:
    turn.go("consent", **_pending(turn))
    turn.ask(texts.CONSENT_REMINDER, [(ids.CONSENT_YES, texts.AGREE), (ids.CONSENT_NO, texts.DISAGREE)])


def _pending(turn: Turn) -> dict:
    return {"pending": turn.data["pending"]} if turn.data.get("pending") else {}


def main_menu(turn: Turn, *, intro=None) -> None:
    turn.go("menu")
    rows = [
        Row(
            id=ids.category(key),
            title=str(texts.CATEGORY_TITLES[key]),
            description=str(texts.CATEGORY_DESCRIPTIONS[key]),
        )
        for key in CATEGORIES
    ]
    body = f"{intro}\n\n{texts.MENU_BODY}" if intro else texts.MENU_BODY
    turn.list(body, button=texts.MENU_BUTTON, rows=rows, more_id="menu", section=texts.MENU_SECTION)


def category(turn: Turn, key: str, *, page: int = 1) -> None:
    """The services of one category, paged; "status" also offers a reference and "my applications"."""
    if key not in CATEGORIES or key == OFFICER:
        main_menu(turn)
        return
    turn.go("category", category=key, page=page)
    rows = []
    if key == STATUS:
        rows += [Row(id=ids.STATUS_REFERENCE, title=str(texts.BY_REFERENCE), description=str(texts.BY_REFERENCE_HINT)),
                 Row(id=ids.STATUS_MINE, title=str(texts.MY_APPLICATIONS),
                     description=str(texts.MY_APPLICATIONS_HINT))]  # fmt: skip
    rows += [_service_row(service) for service in service_list_for_category(category=key)]
    if not rows:
        turn.say(texts.CATEGORY_EMPTY)
        main_menu(turn)
        return
    title = texts.CATEGORY_TITLES[key]
    body = texts.CATEGORY_BODY % {"category": title}
    turn.list(body, button=texts.CATEGORY_BUTTON, rows=rows, page=page, more_id=ids.category(key), section=title)


def _service_row(service: Service) -> Row:
    # Row titles are cut at 24 characters: the full name goes in the description when it is longer.
    name = service.name
    description = name if len(name) > 24 else service.department.name
    return Row(id=ids.service(service.code), title=name, description=description)


def service_card(turn: Turn, code: str) -> bool:
    """What a service is, who may use it, the documents, fee and time; then the next steps. False if unknown."""
    service = service_get_by_code(code=code)
    if service is None:
        return False
    key = service_category(code=service.code, kind=service.kind, department_code=service.department.code)
    turn.go("service", service=service.code, category=key)
    turn.say(card_text(service))
    turn.ask(texts.NEXT_STEP, next_steps(service))
    return True


def card_text(service: Service) -> str:
    documents = list(service.documents.all())
    needed = "\n".join(f"• {document.name}" for document in documents if document.mandatory)
    optional = "\n".join(f"• {document.name}" for document in documents if not document.mandatory)
    if service.sla_days == 0:
        time_taken = texts.CARD_IMMEDIATE
    elif service.sla_days == 1:
        time_taken = texts.CARD_ONE_DAY
    else:
        time_taken = texts.CARD_DAYS % {"days": service.sla_days}
    fee = texts.CARD_FREE if not service.fee else f"₹{service.fee.normalize():f}"
    parts = [
        f"*{service.name}*\n{texts.CARD_DEPARTMENT}: {service.department.name}",
        service.description,
        f"*{texts.CARD_ELIGIBILITY}*\n{service.eligibility}",
        f"*{texts.CARD_DOCUMENTS}*\n{needed}" if needed else "",
        f"*{texts.CARD_OPTIONAL}*\n{optional}" if optional else "",
        f"*{texts.CARD_FEE}*: {fee}\n*{texts.CARD_TIME}*: {time_taken}",
    ]
    return "\n\n".join(part for part in parts if part)


def next_steps(service: Service) -> list[tuple[str, object]]:
    """The buttons under a card: what can be done with this kind of service, then the menu."""
    first = {
        "apply": [(ids.action("apply", service.code), texts.APPLY), (ids.action("status", service.code),
                                                                     texts.CHECK_STATUS)],
        "pay": [(ids.action("pay", service.code), texts.PAY)],
        "status": [(ids.action("status", service.code), texts.CHECK_STATUS)],
        "grievance": [(ids.action("grievance", service.code), texts.LODGE_GRIEVANCE)],
        "feedback": [(ids.action("feedback", service.code), texts.GIVE_FEEDBACK)],
    }.get(service.kind, [(ids.OFFICER, texts.TALK_TO_OFFICER)])  # fmt: skip
    return [*first, (ids.MENU, texts.MAIN_MENU)]
