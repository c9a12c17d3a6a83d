"""Status-only services (pension, ration card, scholarship, admission result): the service's few questions
(the number on the citizen's slip, sometimes a scheme), checked like any form's answers, then the
department's portal is asked through its connector and its answer shown as it is.

Nothing is stored but the conversation's state: these are questions, not applications. A portal that
does not answer is said so plainly, with a button to try again that keeps what the citizen typed.
"""

from __future__ import annotations

import logging
import re

from apps.applications import answers as answer_rules
from apps.portals.base import PortalRefused, PortalUnavailable
from apps.portals.services import portal_status_lookup
from apps.services.selectors import service_get_by_code

from . import ids, screens, texts
from .calls import outside_lock
from .turn import Turn

logger = logging.getLogger(__name__)


class LookupFlow:
    """Ask a portal service's questions, then ask its portal (subclasses say what to ask it)."""

    name = "lookup"
    kind = "status"
    category = "status"

    def _id(self, *parts: str) -> str:
        return ":".join((self.name, *parts))

    def start(self, turn: Turn, *, service: str | None = None, reference: str | None = None) -> None:
        found = service_get_by_code(code=service) if service else None
        if found is None or found.kind != self.kind or not found.connector:
            screens.category(turn, self.category)
            return
        turn.go("flow", flow=self.name, service=found.code, answers={})
        self._next(turn, found)

    def handle(self, turn: Turn) -> bool:
        service = self._service(turn)
        if service is None:
            return False
        field = self._field(service, turn.data.get("step", ""))
        if field is None:
            self._next(turn, service)
            return True
        self._answer(turn, service, field, turn.text)
        return True

    def tap(self, turn: Turn, reply_id: str) -> None:
        parts = reply_id.split(":")
        action = parts[1] if len(parts) > 1 else ""
        service = self._service(turn)
        if action == "choose" and len(parts) == 4 and service is not None:
            field = self._field(service, parts[2])
            if field is not None:
                self._answer(turn, service, field, parts[3])
                return
        if action == "retry" and service is not None and turn.data.get("answers"):
            self._lookup(turn, service)
        elif action == "again" and len(parts) == 3:
            self.start(turn, service=parts[2])
        else:
            screens.main_menu(turn)

    def cancel(self, turn: Turn) -> None:
        turn.go("menu")

    def back(self, turn: Turn) -> bool:
        service = self._service(turn)
        answered = list((turn.data.get("answers") or {}).keys())
        if service is None or not answered:
            return False
        turn.data["answers"].pop(answered[-1])
        self._next(turn, service)
        return True

    def wants_answer(self, turn: Turn) -> bool:
        return turn.state == "flow" and turn.data.get("flow") == self.name and bool(turn.data.get("step"))

    # Steps.

    def _service(self, turn: Turn):
        code = turn.data.get("service")
        return service_get_by_code(code=code) if code else None

    def _field(self, service, key: str):
        return next((f for f in service.fields.all() if f.key == key), None)

    def _next(self, turn: Turn, service, *, error: str = "") -> None:
        answers = turn.data.setdefault("answers", {})
        field = next((f for f in service.fields.all() if f.key not in answers), None)
        if field is None:
            self._lookup(turn, service)
            return
        turn.data["step"] = field.key
        body = "\n\n".join(part for part in (error, f"*{field.label}*", field.help_text,
                                             answer_rules.answer_hint(field=field)) if part)  # fmt: skip
        if field.type == field.Type.CHOICE:
            options = [(self._id("choose", field.key, choice.value), choice.label) for choice in field.choices.all()]
            if len(options) <= 3:
                turn.ask(body, options)
            else:
                from ..outbound import Row

                rows = [Row(id=option_id, title=str(title)) for option_id, title in options]
                turn.list(body, button=texts.APPLY_CHOOSE, rows=rows, more_id=self._id("page", field.key))
        else:
            turn.say(body)
            turn.data["choices"] = []

    def _answer(self, turn: Turn, service, field, text: str) -> None:
        try:
            answer = answer_rules.answer_parse(field=field, text=text)
        except answer_rules.AnswerInvalid as invalid:
            self._next(turn, service, error=str(invalid.message))
            return
        turn.data.setdefault("answers", {})[field.key] = answer.value
        self._next(turn, service)

    def _lookup(self, turn: Turn, service) -> None:
        answers = turn.data.get("answers") or {}
        fields = list(service.fields.all())
        number = lookup_number(fields, answers)
        turn.go("flow", flow=self.name, service=service.code, answers=answers, step="")
        again = [(self._id("again", service.code), texts.ANOTHER_NUMBER), (ids.MENU, texts.MAIN_MENU)]
        try:
            key = f"status:{service.code}:{number}:{sorted(answers.items())}"
            result = outside_lock(key, lambda: portal_status_lookup(service=service, number=number, answers=answers))
        except PortalUnavailable:
            logger.warning("Status lookup for %s: the portal did not answer", service.code, exc_info=True)
            turn.ask(texts.LOOKUP_UNAVAILABLE % {"portal": service.get_connector_display()},
                     [(self._id("retry"), texts.TRY_AGAIN), (ids.MENU, texts.MAIN_MENU)])  # fmt: skip
            return
        except PortalRefused:
            logger.warning("Status lookup for %s: the portal refused the question", service.code, exc_info=True)
            turn.ask(texts.LOOKUP_NOT_FOUND % {"number": number, "portal": service.get_connector_display()}, again)
            return
        if not result.found:
            turn.ask(texts.LOOKUP_NOT_FOUND % {"number": number, "portal": service.get_connector_display()}, again)
            return
        hindi = turn.language == "hi"
        lines = [f"*{service.name}*: {number}", (result.status_text_hi if hindi else result.status_text_en) or ""]
        lines += [f"• {label_hi if hindi else label_en}: {value}" for label_en, label_hi, value in result.details]
        turn.say("\n\n".join(line for line in lines[:2] if line) + "\n\n" + "\n".join(lines[2:]))
        turn.ask(texts.NEXT_STEP, again)


def lookup_number(fields, answers: dict) -> str:
    """The number the portal is asked about: the first text answer (a pension ID, a UPIC, a K number),
    else the last answer given. Numbers on slips are capitals and digits; citizens type them any way
    ("edpen 2024-001")."""
    given = [f for f in fields if answers.get(f.key) not in (None, "")]
    texts_given = [f for f in given if f.type == f.Type.TEXT]
    chosen = texts_given[0] if texts_given else (given[-1] if given else None)
    return re.sub(r"[\s\-./]", "", str(answers[chosen.key])).upper() if chosen else ""
