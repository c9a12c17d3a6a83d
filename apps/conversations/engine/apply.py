"""The apply journey: the service's questions one at a time, its documents one slot at a time, a review,
then submit. The draft is an `Application` saved after every answer and file, so nothing is lost: a
citizen who leaves (MENU, a break of hours, a dead battery) is asked whether to continue where they were.

The step the citizen is on is kept in the conversation's state (`step`: "intro", "field:<key>",
"doc:<code>", "review", "edit", "resume"); everything they gave is in the draft. The next step is always
worked out from the draft (the first unanswered question, then the first document slot not yet done), so
a draft edited or expired in the meantime is read as it is now.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone

from apps.applications import answers as answer_rules
from apps.applications import documents as document_rules
from apps.applications import selectors as application_selectors
from apps.applications import services as applications
from apps.applications.models import Application
from apps.core.exceptions import ApplicationError
from apps.services.selectors import service_get_by_code

from ..media import media_content
from ..outbound import Row
from . import ids, screens, texts
from .turn import Turn

logger = logging.getLogger(__name__)

MEDIA_TYPES = {"image", "document"}
SKIP_WORDS = {"skip", "chhodo", "chodo", "chhod do", "aage", "next", "nahi hai", "छोड़ें", "छोड़ो", "आगे", "नहीं है"}
EDIT_PREFIXES = ("edit ", "change ", "badlo ", "badlein ", "बदलें ", "बदलो ")
DONE_WORDS = {"done", "next", "ho gaya", "hogaya", "bas", "aage", "हो गया", "बस", "आगे"}
# A citizen back after this long is asked whether to continue, rather than have their message read as
# the answer to a question they may no longer have in front of them.
RESUME_AFTER_HOURS = 3
# What a portal may ask for without naming a slot is kept as "additional", checked with these limits.
ADDITIONAL_TYPES, ADDITIONAL_MAX_MB = ["pdf", "jpg", "png"], 5


def _id(*parts: str) -> str:
    return ":".join(("apply", *parts))


class ApplyFlow:
    name = "apply"

    # Entry points (the engine's Flow shape).

    def start(self, turn: Turn, *, service: str | None = None, reference: str | None = None) -> None:
        found = service_get_by_code(code=service) if service else None
        if found is None:
            screens.category(turn, "certificates")
            return
        if found.kind != found.Kind.APPLY:
            screens.service_card(turn, found.code)
            return
        draft = application_selectors.application_draft_for_citizen(citizen=turn.citizen, service=found)
        if draft is not None and (draft.answers or draft.documents.exists()):
            self._offer_resume(turn, draft)
            return
        draft, _ = applications.application_draft_get_or_start(citizen=turn.citizen, conversation=turn.conversation,
                                                               service=found)  # fmt: skip
        self._intro(turn, draft)

    def handle(self, turn: Turn) -> bool:
        draft = self._draft(turn)
        if draft is None:
            return True
        step = turn.data.get("step", "")
        text = turn.text.strip()
        lowered = " ".join(text.lower().split())
        if step.startswith("field:") and lowered in SKIP_WORDS:
            self._skip_field(turn, draft, step.removeprefix("field:"))
        elif lowered.startswith(EDIT_PREFIXES) and step not in ("intro", "resume"):
            self._edit_by_name(turn, draft, text.split(" ", 1)[1])
        elif step.startswith("field:"):
            self._answer(turn, draft, step.removeprefix("field:"), text)
        elif step.startswith("doc:"):
            code = step.removeprefix("doc:")
            if lowered in SKIP_WORDS or lowered in DONE_WORDS:
                self._document_done(turn, draft, code)
            else:
                self._ask_document(turn, draft, code, reminder=True)
        elif step == "review" and lowered in {"submit", "jama karo", "jama", "bhejo", "जमा करें", "भेजें"}:
            self._submit(turn, draft)
        else:
            self.show_step(turn, draft)
        return True

    def tap(self, turn: Turn, reply_id: str) -> None:
        parts = reply_id.split(":")
        action = parts[1] if len(parts) > 1 else ""
        if action == "choose" and len(parts) >= 5:  # apply:choose:<application>:<key>:<value>
            draft = self._draft(turn, application_id=parts[2])
            if draft is not None:
                self._answer(turn, draft, parts[3], parts[4])
            return
        draft = self._draft(turn, application_id=parts[2] if len(parts) > 2 else None)
        if draft is None:
            return
        if action == "begin" or action == "continue":
            self.show_step(turn, draft)
        elif action == "restart":
            applications.application_cancel(application=draft)
            fresh, _ = applications.application_draft_get_or_start(citizen=turn.citizen,
                                                                   conversation=turn.conversation,
                                                                   service=draft.service)  # fmt: skip
            self._intro(turn, fresh)
        elif action == "skip" and len(parts) > 3:
            self._skip_field(turn, draft, parts[3])
        elif action == "next" and len(parts) > 3:
            self._document_done(turn, draft, parts[3])
        elif action == "submit":
            self._submit(turn, draft)
        elif action == "page" and len(parts) > 3 and parts[-1].isdigit():  # "more" on a long list of choices
            step = turn.data.get("step", "")
            field = next((f for f in draft.service.fields.all() if f"field:{f.key}" == step), None)
            if field is not None:
                self._ask_field(turn, draft, field, editing=bool(turn.data.get("editing")), page=int(parts[-1]))
            else:
                self.show_step(turn, draft)
        elif action == "editpage" and len(parts) > 3 and parts[-1].isdigit():
            self._edit_menu(turn, draft, page=int(parts[-1]))
        elif action == "edit" and len(parts) > 3:
            self._go_to(turn, draft, parts[3], editing=True)
        elif action == "edit":
            self._edit_menu(turn, draft)
        else:
            self.show_step(turn, draft)

    def cancel(self, turn: Turn) -> None:
        draft = self._draft(turn, quiet=True)
        if draft is not None:
            applications.application_cancel(application=draft)
        turn.go("menu")

    def back(self, turn: Turn) -> bool:
        """BACK: the previous question (its answer is kept until a new one is given)."""
        draft = self._draft(turn, quiet=True)
        if draft is None:
            return False
        steps = self._steps(draft)
        step = turn.data.get("step", "")
        if step == "review":
            previous = steps[-1] if steps else None
        elif step in steps:
            at = steps.index(step)
            previous = steps[at - 1] if at > 0 else None
        else:
            previous = None
        if previous is None:
            screens.service_card(turn, draft.service.code)
            return True
        self._go_to(turn, draft, previous.split(":", 1)[1])
        return True

    def media(self, turn: Turn) -> bool:
        """A photo or PDF: for the document being asked for, or one an officer asked for. False when
        nothing is waiting for a file."""
        if turn.message.type not in MEDIA_TYPES:
            return False
        step = turn.data.get("step", "")
        if turn.state == "flow" and turn.data.get("flow") == self.name and step.startswith("doc:"):
            draft = self._draft(turn)
            if draft is not None:
                self._receive(turn, draft, step.removeprefix("doc:"))
            return True
        requested = application_selectors.application_awaiting_documents(citizen=turn.citizen,
                                                                          conversation=turn.conversation)  # fmt: skip
        if requested is not None:
            self._receive_requested(turn, requested)
            return True
        turn.say(texts.APPLY_FILE_UNEXPECTED)
        screens.main_menu(turn)
        return True

    def resume_after_break(self, turn: Turn, since) -> bool:
        """The citizen is back after a long break in the middle of applying: ask before reading on."""
        if since is None or timezone.now() - since < timezone.timedelta(hours=RESUME_AFTER_HOURS):
            return False
        draft = self._draft(turn, quiet=True)
        if draft is None:
            return False
        self._offer_resume(turn, draft)
        return True

    def wants_answer(self, turn: Turn) -> bool:
        """True while a question is waiting for a typed answer: the text is an answer, not a command
        (and is not sent to the language model)."""
        return (
            turn.state == "flow"
            and turn.data.get("flow") == self.name
            and turn.data.get("step", "").startswith("field:")
        )

    # Steps.

    def _steps(self, draft: Application) -> list[str]:
        service = draft.service
        return [f"field:{f.key}" for f in service.fields.all()] + [f"doc:{d.code}" for d in service.documents.all()]

    def _next_step(self, draft: Application, *, after: str = "") -> str:
        """The first question not answered, then the first document slot not done; else the review."""
        done = set(turn_done(draft))
        steps = self._steps(draft)
        start = steps.index(after) + 1 if after in steps else 0
        for step in steps[start:] + steps[:start]:
            if step not in done:
                return step
        return "review"

    def show_step(self, turn: Turn, draft: Application, *, after: str = "") -> None:
        step = self._next_step(draft, after=after)
        if step == "review":
            self._review(turn, draft)
        else:
            self._go_to(turn, draft, step.split(":", 1)[1])

    def _go_to(self, turn: Turn, draft: Application, key: str, *, editing: bool = False) -> None:
        service = draft.service
        field = next((f for f in service.fields.all() if f.key == key), None)
        if field is not None:
            self._ask_field(turn, draft, field, editing=editing)
            return
        if any(d.code == key for d in service.documents.all()):
            if editing:
                applications.application_documents_clear(application=draft, slot=key)
            self._ask_document(turn, draft, key, editing=editing)
            return
        self.show_step(turn, draft)

    def _intro(self, turn: Turn, draft: Application) -> None:
        service = draft.service
        documents = "\n".join(
            f"• {d.name}" + ("" if d.mandatory else f" ({texts.CARD_OPTIONAL})") for d in service.documents.all()
        )
        turn.go("flow", flow=self.name, service=service.code, application=draft.pk, step="intro")
        turn.say(texts.APPLY_INTRO % {"service": service.name, "eligibility": service.eligibility,
                                      "questions": len(service.fields.all()),
                                      "documents": documents or texts.APPLY_NO_DOCUMENTS})  # fmt: skip
        turn.ask(texts.NEXT_STEP, [(_id("begin", str(draft.pk)), texts.APPLY_START), (ids.MENU, texts.MAIN_MENU)])

    def _offer_resume(self, turn: Turn, draft: Application) -> None:
        steps = self._steps(draft)
        done = len([step for step in turn_done(draft) if step in steps])
        started = answer_rules.date_display(day=timezone.localdate(draft.created_at))
        turn.go("flow", flow=self.name, service=draft.service.code, application=draft.pk, step="resume")
        turn.ask(texts.APPLY_RESUME % {"service": draft.service.name, "date": started, "done": done,
                                       "total": len(steps)},
                 [(_id("continue", str(draft.pk)), texts.CONTINUE), (_id("restart", str(draft.pk)), texts.START_AGAIN),
                  (ids.MENU, texts.MAIN_MENU)])  # fmt: skip

    def _ask_field(self, turn: Turn, draft: Application, field, *, editing: bool = False, error: str = "",
                   page: int = 1) -> None:  # fmt: skip
        steps = self._steps(draft)
        step = f"field:{field.key}"
        turn.go("flow", flow=self.name, service=draft.service.code, application=draft.pk, step=step,
                editing=editing)  # fmt: skip
        question = texts.APPLY_QUESTION % {"step": steps.index(step) + 1, "total": len(steps), "label": field.label}
        parts = [str(question), field.help_text, answer_rules.answer_hint(field=field)]
        if not field.required:
            parts.append(str(texts.APPLY_OPTIONAL))
        body = "\n\n".join(part for part in [error, *parts] if part)
        navigation = [(_id("skip", str(draft.pk), field.key), texts.SKIP)] if not field.required else []
        if field.type == field.Type.CHOICE:
            choices = list(field.choices.all())
            options = [(_id("choose", str(draft.pk), field.key, c.value), c.label) for c in choices]
            if len(options) + len(navigation) <= 3:
                turn.ask(body, [*options, *navigation])
            else:
                rows = [Row(id=option_id, title=str(title)) for option_id, title in options + navigation]
                turn.list(body, button=texts.APPLY_CHOOSE, rows=rows, more_id=_id("page", str(draft.pk)), page=page)
        elif field.type == field.Type.YESNO:
            turn.ask(body, [(_id("choose", str(draft.pk), field.key, "yes"), texts.YES),
                            (_id("choose", str(draft.pk), field.key, "no"), texts.NO), *navigation])  # fmt: skip
        elif navigation:
            turn.ask(body, navigation)
        else:
            turn.say(body)
            turn.data["choices"] = []

    def _answer(self, turn: Turn, draft: Application, key: str, text: str) -> None:
        field = next((f for f in draft.service.fields.all() if f.key == key), None)
        if field is None:
            self.show_step(turn, draft)
            return
        editing = bool(turn.data.get("editing"))
        try:
            answer = answer_rules.answer_parse(field=field, text=text, aadhaar_hashes=turn.message.aadhaar_hashes)
        except answer_rules.AnswerInvalid as invalid:
            self._ask_field(turn, draft, field, editing=editing, error=str(invalid.message))
            return
        applications.application_answer_set(application=draft, key=key, value=answer.value,
                                            aadhaar_hash=answer.aadhaar_hash)  # fmt: skip
        if editing:
            self._review(turn, draft)
        else:
            self.show_step(turn, draft, after=f"field:{key}")

    def _skip_field(self, turn: Turn, draft: Application, key: str) -> None:
        field = next((f for f in draft.service.fields.all() if f.key == key), None)
        if field is None:
            self.show_step(turn, draft)
            return
        if field.required:
            self._answer(turn, draft, key, "")  # the field's own "this is needed", and the question again
            return
        applications.application_answer_set(application=draft, key=key, value="")
        self.show_step(turn, draft, after=f"field:{key}")

    def _ask_document(self, turn: Turn, draft: Application, code: str, *, reminder: bool = False,
                      editing: bool = False, error: str = "") -> None:  # fmt: skip
        document = next(d for d in draft.service.documents.all() if d.code == code)
        steps = self._steps(draft)
        step = f"doc:{code}"
        turn.go("flow", flow=self.name, service=draft.service.code, application=draft.pk, step=step,
                editing=editing)  # fmt: skip
        count = draft.documents.filter(slot=code).count()
        if reminder and not error:
            body = str(texts.APPLY_DOCUMENT_EXPECTED % {"document": document.name})
        else:
            body = str(texts.APPLY_DOCUMENT % {"step": steps.index(step) + 1, "total": len(steps),
                                               "document": document.name, "types": _types(document.accepted_types),
                                               "size": document.max_size_mb})  # fmt: skip
            if not document.mandatory:
                body += "\n\n" + str(texts.APPLY_DOCUMENT_OPTIONAL)
        if error:
            body = f"{error}\n\n{body}"
        options = []
        if count:
            options.append((_id("next", str(draft.pk), code), texts.NEXT))
        elif not document.mandatory:
            options.append((_id("next", str(draft.pk), code), texts.SKIP))
        options.append((ids.BACK, texts.BACK))
        turn.ask(body, options)

    def _receive(self, turn: Turn, draft: Application, code: str) -> None:
        document = next((d for d in draft.service.documents.all() if d.code == code), None)
        if document is None:
            self.show_step(turn, draft)
            return
        received = _file(turn, accepted_types=document.accepted_types, max_size_mb=document.max_size_mb)
        if isinstance(received, str):
            self._ask_document(turn, draft, code, error=received)
            return
        content, checked = received
        applications.application_document_add(application=draft, slot=code, content=content, checked=checked,
                                              message=turn.message)  # fmt: skip
        count = draft.documents.filter(slot=code).count()
        turn.ask(texts.APPLY_DOCUMENT_RECEIVED % {"document": document.name, "count": count},
                 [(_id("next", str(draft.pk), code), texts.NEXT), (ids.BACK, texts.BACK)])  # fmt: skip

    def _document_done(self, turn: Turn, draft: Application, code: str) -> None:
        document = next((d for d in draft.service.documents.all() if d.code == code), None)
        if document is None:
            self.show_step(turn, draft)
            return
        if not draft.documents.filter(slot=code).exists():
            if document.mandatory:
                self._ask_document(turn, draft, code, reminder=True)
                return
            applications.application_document_skip(application=draft, slot=code)
        if turn.data.get("editing"):
            self._review(turn, draft)
        else:
            self.show_step(turn, draft, after=f"doc:{code}")

    def _review(self, turn: Turn, draft: Application) -> None:
        service = draft.service
        turn.go("flow", flow=self.name, service=service.code, application=draft.pk, step="review")
        lines = []
        for field in service.fields.all():
            value = draft.answers.get(field.key)
            shown = answer_rules.answer_display(field=field, value=value) if value not in (None, "") else ""
            lines.append(f"• {field.label}: {shown or texts.APPLY_NOT_GIVEN}")
        counts = application_selectors.application_document_counts(application=draft)
        documents = []
        for document in service.documents.all():
            count = counts.get(document.code)
            given = texts.APPLY_FILES % {"count": count} if count else texts.APPLY_NOT_GIVEN
            documents.append(f"• {document.name}: {given}")
        turn.say(texts.APPLY_REVIEW % {"service": service.name, "answers": "\n".join(lines),
                                       "documents": "\n".join(documents) or texts.APPLY_NO_DOCUMENTS})  # fmt: skip
        turn.ask(texts.APPLY_REVIEW_ASK, [(_id("submit", str(draft.pk)), texts.SUBMIT), (_id("edit", str(draft.pk)),
                                          texts.EDIT), (ids.MENU, texts.MAIN_MENU)])  # fmt: skip

    def _edit_menu(self, turn: Turn, draft: Application, *, page: int = 1) -> None:
        service = draft.service
        turn.go("flow", flow=self.name, service=service.code, application=draft.pk, step="edit")
        rows = [Row(id=_id("edit", str(draft.pk), f.key), title=f.label) for f in service.fields.all()]
        rows += [Row(id=_id("edit", str(draft.pk), d.code), title=d.name) for d in service.documents.all()]
        turn.list(texts.APPLY_EDIT_CHOOSE, button=texts.APPLY_EDIT_BUTTON, rows=rows,
                  more_id=_id("editpage", str(draft.pk)), page=page)  # fmt: skip

    def _edit_by_name(self, turn: Turn, draft: Application, name: str) -> None:
        from rapidfuzz import fuzz, process

        service = draft.service
        targets = {f.key: [f.key.replace("_", " "), f.label_en, f.label_hi] for f in service.fields.all()}
        targets |= {d.code: [d.code.replace("_", " "), d.name_en, d.name_hi] for d in service.documents.all()}
        choices = {f"{key}|{i}": label.lower() for key, labels in targets.items() for i, label in enumerate(labels)
                   if label}  # fmt: skip
        best = process.extractOne(name.lower(), choices, scorer=fuzz.WRatio, score_cutoff=70)
        if best is None:
            self._edit_menu(turn, draft)
            return
        self._go_to(turn, draft, best[2].split("|")[0], editing=True)

    def _submit(self, turn: Turn, draft: Application) -> None:
        missing = application_selectors.application_missing(application=draft)
        if missing:
            names = _names(draft, missing)
            turn.say(texts.APPLY_MISSING % {"missing": ", ".join(names)})
            self._go_to(turn, draft, missing[0])
            return
        try:
            submitted = applications.application_submit(application=draft)
        except ApplicationError:
            logger.warning("Application %s: submit refused", draft.pk, exc_info=True)
            self.show_step(turn, draft)
            return
        service = submitted.service
        parts = [texts.APPLY_SUBMITTED % {"reference": submitted.reference}]
        if submitted.state == Application.State.PAYMENT_PENDING:
            parts.append(texts.APPLY_FEE % {"fee": f"{submitted.fee.normalize():f}"})
        else:
            due = answer_rules.date_display(day=submitted.due_date)
            parts.append(texts.APPLY_DUE % {"service": service.name, "due": due})
            if service.fulfilment == service.Fulfilment.PORTAL:
                parts.append(texts.APPLY_SUBMITTED_PORTAL % {"portal": service.get_connector_display()})
        turn.go("menu")
        turn.say(*parts)
        if submitted.state == Application.State.PAYMENT_PENDING:
            from .flows import PAY

            PAY.pay_after_commit(turn, submitted.pk)  # the fee's checkout link, once the submission is stored
            return
        turn.ask(texts.NEXT_STEP, [(ids.STATUS_MINE, texts.MY_APPLICATIONS), (ids.MENU, texts.MAIN_MENU)])

    # Documents an officer asked for after submission.

    def _receive_requested(self, turn: Turn, application: Application) -> None:
        slot = application_selectors.application_requested_slot_next(application=application)
        documents = {d.code: d for d in application.service.documents.all()}
        document = documents.get(slot) if slot else None
        if document is None:
            # The department's portal asked without naming a document (or named one the service no longer
            # has): the file is kept as "additional" and goes back to the officer.
            self._receive_additional(turn, application)
            return
        received = _file(turn, accepted_types=document.accepted_types, max_size_mb=document.max_size_mb)
        if isinstance(received, str):
            turn.say(received, texts.DOCUMENTS_REQUESTED_ASK % {"reference": application.reference,
                                                                "document": document.name})  # fmt: skip
            return
        content, checked = received
        applications.application_document_add(application=application, slot=slot, content=content, checked=checked,
                                              message=turn.message, requested=True)  # fmt: skip
        following = application_selectors.application_requested_slot_next(application=application)
        if following is None:
            applications.application_documents_received(application=application)
            turn.say(
                texts.DOCUMENTS_REQUESTED_RECEIVED % {"document": document.name},
                texts.DOCUMENTS_REQUESTED_DONE % {"reference": application.reference},
            )
        else:
            turn.say(texts.DOCUMENTS_REQUESTED_RECEIVED % {"document": document.name},
                     texts.DOCUMENTS_REQUESTED_ASK % {"reference": application.reference,
                                                      "document": documents[following].name})  # fmt: skip

    def _receive_additional(self, turn: Turn, application: Application) -> None:
        received = _file(turn, accepted_types=ADDITIONAL_TYPES, max_size_mb=ADDITIONAL_MAX_MB)
        if isinstance(received, str):
            turn.say(received)
            return
        content, checked = received
        applications.application_document_add(application=application, slot="additional", content=content,
                                              checked=checked, message=turn.message, requested=True)  # fmt: skip
        applications.application_documents_received(application=application)
        turn.say(texts.DOCUMENTS_REQUESTED_DONE % {"reference": application.reference})

    # Helpers.

    def _draft(self, turn: Turn, *, application_id: str | int | None = None, quiet: bool = False) -> Application | None:
        """The draft this step is about; if it is gone (submitted elsewhere, expired), say so and show the menu."""
        pk = application_id or turn.data.get("application")
        draft = application_selectors.application_draft_get(citizen=turn.citizen, pk=pk) if pk else None
        if draft is None and not quiet:
            turn.say(texts.APPLY_DRAFT_GONE % {"days": settings.APPLICATION_DRAFT_DAYS})
            screens.main_menu(turn)
        return draft


def _file(turn: Turn, *, accepted_types: list[str], max_size_mb: int):
    """The file of this message and its checks, or what to tell the citizen when there is none to keep."""
    content = media_content(message=turn.message, fetch=False)  # fetched before the lock was taken
    if content is None:
        return str(texts.APPLY_FILE_NOT_RECEIVED % {"size": max_size_mb})
    try:
        checked = document_rules.document_check(content=content, accepted_types=accepted_types,
                                                max_size_mb=max_size_mb)  # fmt: skip
    except document_rules.DocumentRejected as rejected:
        return str(texts.APPLY_FILE_REJECTED % {"reason": rejected.message})
    return content, checked


def turn_done(draft: Application) -> list[str]:
    """The steps of a draft that need nothing more: answered (or skipped) questions, documents given or skipped."""
    done = [f"field:{key}" for key in draft.answers]
    slots = set(draft.documents.values_list("slot", flat=True))
    slots |= set(draft.answers.get(applications.SKIPPED_DOCUMENTS, []))
    return done + [f"doc:{code}" for code in slots]


def _names(draft: Application, keys: list[str]) -> list[str]:
    names = {f.key: f.label for f in draft.service.fields.all()}
    names |= {d.code: d.name for d in draft.service.documents.all()}
    return [str(names.get(key, key)) for key in keys]


def _types(kinds: list[str]) -> str:
    return ", ".join(kind.upper() for kind in kinds)
