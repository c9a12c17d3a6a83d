"""Showing a form field's answer back to the citizen (the review, the status) and the "what to send" hint
under each question, in the active language."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import get_language

from apps.core.formatting import date_display, indian_grouping

from .words import HINTS, NO, YES

if TYPE_CHECKING:
    from apps.services.models import FormField


def hindi_active() -> bool:
    return (get_language() or "").startswith("hi")


def answer_hint(*, field: FormField) -> str:
    """A short "what to send" line for the question, in the active language; "" when the flow shows options."""
    rules = field.validation or {}
    if field.type == "date":
        example = datetime.date(2019, 3, 12)
        if rules.get("date") == "future":
            example = timezone.localdate() + datetime.timedelta(days=30)
        return str(HINTS["date"]) % {"example": example.strftime("%d/%m/%Y")}
    if field.type == "number":
        if "min" in rules and "max" in rules:
            bounds = {"min": indian_grouping(rules["min"]), "max": indian_grouping(rules["max"])}
            return str(HINTS["number_range"]) % bounds
        example = min(max(25, int(rules.get("min", 25))), int(rules.get("max", 25)))
        return str(HINTS["number"]) % {"example": indian_grouping(example)}
    return str(HINTS.get(field.type, ""))


def answer_display(*, field: FormField, value) -> str:
    """A stored value as the citizen reads it back (the review, the status), in the active language."""
    if value in (None, ""):
        return ""
    if field.type == "date":
        try:
            return date_display(day=datetime.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if field.type == "choice":
        choice = next((c for c in field.choices.all() if c.value == value), None)
        return choice_label(choice) if choice is not None else str(value)
    if field.type == "yesno":
        return str(YES if value is True else NO)
    if field.type == "number" and isinstance(value, int):
        return indian_grouping(value)
    if field.type == "phone" and len(str(value)) == 10:
        return f"{str(value)[:5]} {str(value)[5:]}"
    return str(value)


def choice_label(choice) -> str:
    return choice.label_hi if hindi_active() and choice.label_hi else choice.label_en
