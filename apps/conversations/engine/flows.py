"""Journeys: one flow class each, with one shape, registered in `FLOWS`.

A flow is started from a card's button (`act:<flow>:<code>`), from the menu, or from what the citizen
typed; while it runs, the conversation's state is "flow" with `state_data["flow"]` naming it, and typed
messages go to its `handle` after the words that work everywhere (menu, back, cancel, help, officer,
language, stop). Taps on ids starting with "<name>:" go to its `tap`. Issues 5 and 6 replace the
"coming soon" flows below with the real apply, pay and grievance journeys.
"""

from __future__ import annotations

from django.utils import timezone

from apps.core.formatting import date_display
from apps.services.categories import service_category
from apps.services.selectors import service_get_by_code

from .. import selectors as lookups
from . import ids, texts
from .apply import ApplyFlow
from .lookup import LookupFlow
from .pay import PayFlow
from .turn import Turn


class Flow:
    """The common shape: `start` it, `handle` typed messages, `tap` its own buttons, `cancel` it."""

    name = ""

    def start(self, turn: Turn, *, service: str | None = None, reference: str | None = None) -> None:
        raise NotImplementedError

    def handle(self, turn: Turn) -> bool:
        """A typed message while the flow runs; False when it is not for the flow (the engine goes on)."""
        return False

    def tap(self, turn: Turn, reply_id: str) -> None:
        """A tap on one of this flow's own buttons ("<name>:…")."""
        self.start(turn)

    def cancel(self, turn: Turn) -> None:
        """Forget the flow's data; the engine then shows the menu."""
        turn.go("menu")

    def back(self, turn: Turn) -> bool:
        """BACK inside the flow; False to let the engine leave it (to the card, or the menu)."""
        return False


class StatusFlow(Flow):
    """Where a request stands, by its reference (DLA/DLG/DLP…) or from "my applications"."""

    name = "status"

    def start(self, turn: Turn, *, service: str | None = None, reference: str | None = None) -> None:
        if reference:
            self.lookup(turn, reference)
            return
        found = service_get_by_code(code=service) if service else None
        if found is not None and found.kind == found.Kind.STATUS and found.connector:
            LOOKUP.start(turn, service=found.code)  # pension, ration card...: the department's portal knows
            return
        turn.go("flow", flow=self.name, service=service or "")
        turn.ask(texts.STATUS_ASK, [(ids.STATUS_MINE, texts.MY_APPLICATIONS), (ids.MENU, texts.MAIN_MENU)])

    def handle(self, turn: Turn) -> bool:
        understanding = turn.understanding
        if understanding.reference:
            self.lookup(turn, understanding.reference)
            return True
        if understanding.intent == "unknown" or (understanding.intent == "status" and not understanding.service):
            turn.failed = True
            turn.ask(texts.STATUS_NOT_A_REFERENCE, [(ids.STATUS_MINE, texts.MY_APPLICATIONS),
                                                    (ids.MENU, texts.MAIN_MENU)])  # fmt: skip
            return True
        return False

    def tap(self, turn: Turn, reply_id: str) -> None:
        if reply_id == ids.STATUS_MINE:
            self.mine(turn)
        else:
            self.start(turn)

    def lookup(self, turn: Turn, reference: str) -> None:
        turn.go("flow", flow=self.name)
        found = lookups.reference_status(reference=reference, citizen=turn.citizen)
        if found is None:
            turn.ask(texts.STATUS_NOT_FOUND[reference[:3]] % {"reference": reference},
                     [(ids.STATUS_REFERENCE, texts.ANOTHER_NUMBER), (ids.MENU, texts.MAIN_MENU),
                      (ids.OFFICER, texts.TALK_TO_OFFICER)])  # fmt: skip
            return
        turn.ask(_found_text(found), [(ids.STATUS_REFERENCE, texts.ANOTHER_NUMBER), (ids.MENU, texts.MAIN_MENU)])

    def mine(self, turn: Turn) -> None:
        turn.go("flow", flow=self.name)
        found = lookups.request_list_for_citizen(citizen=turn.citizen)
        if not found:
            turn.ask(texts.STATUS_NO_APPLICATIONS, [(ids.STATUS_REFERENCE, texts.BY_REFERENCE),
                                                    (ids.MENU, texts.MAIN_MENU)])  # fmt: skip
            return
        turn.say("\n".join(f"• {_found_text(request)}" for request in found[:10]))
        turn.ask(texts.STATUS_ASK, [(ids.MENU, texts.MAIN_MENU)])


def _found_text(found: lookups.RequestStatus) -> str:
    updated = date_display(day=timezone.localdate(found.updated_at))
    lines = [str(texts.STATUS_FOUND % {"reference": found.reference, "service": found.service_name,
                                       "status": found.status, "updated": updated})]  # fmt: skip
    expected = texts.STATUS_EXPECTED.get(found.state)
    if expected is not None and found.owner:
        lines.append(str(expected % {"note": found.note, "reason": found.reason, "fee": found.fee}))
    if found.days_late:
        lines.append(str(texts.STATUS_LATE % {"days": found.days_late, "amount": found.compensation}))
    elif found.due:
        lines.append(str(texts.STATUS_DUE % {"due": date_display(day=found.due)}))
    return "\n".join(lines)


class ComingSoonFlow(Flow):
    """A journey that is not built yet: say so plainly, say where it can be done today, and what to keep
    ready. (The catalogue's how-to describes the WhatsApp journey still to come, so it is not quoted.)"""

    def start(self, turn: Turn, *, service: str | None = None, reference: str | None = None) -> None:
        found = service_get_by_code(code=service) if service else None
        if found is None:
            turn.go("menu")
            turn.say(texts.COMING_SOON[self.name] % {"service": ""})
            turn.ask(texts.NEXT_STEP, [(ids.OFFICER, texts.TALK_TO_OFFICER), (ids.MENU, texts.MAIN_MENU)])
            return
        key = service_category(code=found.code, kind=found.kind, department_code=found.department.code)
        turn.go("service", service=found.code, category=key)
        parts = [texts.COMING_SOON[self.name] % {"service": found.name}]
        department = found.department.name
        if self.name in {"grievance", "feedback"}:
            parts.append(texts.UNTIL_THEN_OFFICER)
        elif found.connector:
            parts.append(texts.UNTIL_THEN_PORTAL % {"portal": found.get_connector_display(), "department": department})
        else:
            parts.append(texts.UNTIL_THEN_OFFICE % {"department": department})
        documents = [f"• {document.name}" for document in found.documents.all() if document.mandatory]
        if self.name == "apply" and documents:
            parts.append(f"{texts.KEEP_READY}\n" + "\n".join(documents))
        turn.say(*parts)
        turn.ask(texts.NEXT_STEP, [(ids.OFFICER, texts.TALK_TO_OFFICER), (ids.MENU, texts.MAIN_MENU)])


class GrievanceFlow(ComingSoonFlow):
    name = "grievance"  # issue 6


class FeedbackFlow(ComingSoonFlow):
    name = "feedback"  # issue 6


LOOKUP, PAY = LookupFlow(), PayFlow()
FLOWS: dict[str, Flow] = {flow.name: flow for flow in (StatusFlow(), ApplyFlow(), LOOKUP, PAY, GrievanceFlow(),
                                                        FeedbackFlow())}  # fmt: skip
APPLY: ApplyFlow = FLOWS["apply"]
