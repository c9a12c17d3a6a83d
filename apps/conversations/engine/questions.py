"""Free questions about a service ("birth certificate ke liye kya documents chahiye?", "fee kitni hai"), with
OpenAI configured: the model words an answer from the service's catalogue fields only, and an answer that
states a number the catalogue does not (a fee, days, a date) is thrown away for the catalogue's own card."""

from __future__ import annotations

import re

from apps.services.categories import service_category
from apps.services.models import Service
from apps.services.selectors import service_get_by_code

from ..understanding.llm import answer_question, llm_enabled
from . import screens, texts
from .calls import outside_lock
from .turn import Turn

QUESTION_WORDS = {
    "what", "which", "how", "when", "where", "who", "why", "whom", "kya", "kyaa", "kitna", "kitni", "kitne",
    "kaise", "kaisay", "kab", "kahan", "kaha", "kidhar", "kaun", "kaunsa", "kaunse", "kon", "konsa", "kyun",
    "kyon", "kyu", "क्या", "कितना", "कितनी", "कितने", "कैसे", "कब", "कहाँ", "कहां", "किधर", "कौन", "कौनसा",
    "कौनसे", "क्यों",
}  # fmt: skip


def is_question(text: str) -> bool:
    """A question rather than a request ("birth certificate chahiye" shows the card as before)."""
    return "?" in text or bool(QUESTION_WORDS & set(re.findall(r"[\w\u0900-\u097f]+", text.lower())))


def service_facts(service: Service) -> dict:
    """The only facts the model may use, in the active language: the catalogue's fields for this service."""
    documents = list(service.documents.all())
    return {
        "service": service.name,
        "department": service.department.name,
        "description": service.description,
        "eligibility": service.eligibility,
        "documents_required": [document.name for document in documents if document.mandatory],
        "documents_optional": [document.name for document in documents if not document.mandatory],
        "fee": f"{service.fee.normalize():f}",  # rupees
        "time_in_days": service.sla_days,
    }


def question_answer(turn: Turn) -> bool:
    """Answer a free question about the service named in it, or the one on screen; False when this is not
    such a question (or OpenAI is off), so the engine carries on as before."""
    understanding = turn.understanding
    code = understanding.service or (turn.data.get("service") if turn.state == "service" else None)
    if not code or not llm_enabled() or not is_question(turn.text):
        return False
    service = service_get_by_code(code=code)
    if service is None:
        return False
    text, facts, language, conversation_id = turn.text, service_facts(service), turn.language, turn.conversation.pk
    answer = outside_lock(f"answer:{code}:{language}:{text}", lambda: answer_question(
        text, facts=facts, language=language, conversation_id=conversation_id))  # fmt: skip
    if answer is None:
        return screens.service_card(turn, code)
    key = service_category(code=service.code, kind=service.kind, department_code=service.department.code)
    turn.go("service", service=service.code, category=key)
    turn.say(answer)
    turn.ask(texts.NEXT_STEP, screens.next_steps(service))
    return True
