"""Reading what a citizen typed as the value of one form field (`answer_parse`), or `AnswerInvalid` saying why
not; the rules are in the package's docstring."""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.functional import lazy
from rapidfuzz import fuzz

from apps.core.aadhaar import aadhaar_hash, aadhaar_mask, verhoeff_valid
from apps.core.formatting import date_display, indian_grouping

from .display import choice_label, hindi_active
from .words import (
    AMBIGUOUS_DAYS,
    DEVANAGARI_DIGITS,
    EARLIEST_DATE,
    EMAIL_RE,
    ISO_DATE_RE,
    MASKED_AADHAAR_RE,
    MESSAGES,
    MONTH_WORDS,
    NO,
    NO_WORDS,
    NUMBER_MULTIPLIERS,
    NUMBER_NOISE_RE,
    NUMERIC_DATE_RE,
    ORDINAL_RE,
    PHONE_RE,
    RELATIVE_DAYS,
    SKIP_WORDS,
    YES,
    YES_WORDS,
)

if TYPE_CHECKING:
    from apps.services.models import FormField


@dataclass(frozen=True)
class Answer:
    """One field's answer: the JSON-storable value, how to show it back, and for Aadhaar a keyed hash."""

    value: str | int | bool
    display: str
    aadhaar_hash: str = ""


class AnswerInvalid(Exception):
    """The answer cannot be used; `message` (lazy) says what is expected, in the language active when shown."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _render(value) -> str:
    return str(value() if callable(value) else value)


def _message(key: str, **params) -> str:
    """A lazy message whose parameters (plain, lazy or callables) are also rendered only when it is shown."""
    if not params:
        return MESSAGES[key]
    return lazy(lambda: str(MESSAGES[key]) % {name: _render(value) for name, value in params.items()}, str)()


def _invalid(key: str, **params) -> AnswerInvalid:
    return AnswerInvalid(_message(key, **params))


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", (text or "").translate(DEVANAGARI_DIGITS))
    text = text.replace("\u200c", "").replace("\u200d", "").replace("\ufeff", "")
    return " ".join(text.split())


def _words(text: str) -> str:
    """Lower case with punctuation and symbols as spaces (Devanagari vowel signs are kept)."""
    kept = "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in text.lower())
    return " ".join(kept.split())


def answer_parse(*, field: FormField, text: str, today: datetime.date | None = None,
                 aadhaar_hashes: dict[str, str] | None = None) -> Answer:  # fmt: skip
    """Read what the citizen typed as the value of `field` (a services FormField), or raise AnswerInvalid.

    `today` (default: today in Delhi) anchors "aaj"/"kal", two-digit years and the past/future rules.
    `aadhaar_hashes` are those the channel took of the Aadhaar numbers it masked in this message
    ({last four digits: keyed hash}): a WhatsApp message reaches the form already masked.
    """
    text = _normalise(text)
    if field.type == "aadhaar" and aadhaar_hashes:
        masked = MASKED_AADHAAR_RE.fullmatch(text)
        if masked and masked.group(1) in aadhaar_hashes:
            value = f"XXXX XXXX {masked.group(1)}"
            return Answer(value=value, display=value, aadhaar_hash=aadhaar_hashes[masked.group(1)])
    if not text or _words(text) in SKIP_WORDS:
        if field.required:
            raise _invalid("required")
        return Answer(value="", display="—")
    rules = field.validation or {}
    if field.type == "date":
        return _parse_date(text, rules, today or timezone.localdate())
    if field.type == "choice":
        return _parse_choice(text, list(field.choices.all()))
    return _PARSERS.get(field.type, _parse_text)(text, rules)


def _parse_text(text: str, rules: dict) -> Answer:
    if "min_length" in rules and len(text) < rules["min_length"]:
        raise _invalid("text_short", min=rules["min_length"])
    if "max_length" in rules and len(text) > rules["max_length"]:
        raise _invalid("text_long", max=rules["max_length"])
    if rules.get("regex") and not re.fullmatch(rules["regex"], text):
        # Numbers are read out and typed in groups ("12345 67890", "dl-01-ab-1234"): the same without
        # spaces and hyphens, or in capitals, is what the citizen meant when that matches.
        compact = re.sub(r"[\s\-]", "", text)
        text = next((form for form in (compact, compact.upper()) if re.fullmatch(rules["regex"], form)), "")
        if not text:
            en, hi = rules.get("message_en"), rules.get("message_hi")
            if en and hi:
                raise AnswerInvalid(lazy(lambda: hi if hindi_active() else en, str)())
            raise _invalid("text_format")
    masked = aadhaar_mask(text)
    return Answer(value=masked, display=masked)


def _parse_number(text: str, rules: dict) -> Answer:
    cleaned = " ".join(NUMBER_NOISE_RE.sub(" ", text.lower()).replace(",", "").split())
    match = re.fullmatch(r"(-?\d+(?:\.\d+)?) ?([^\d\s]+)?", cleaned)
    multiplier = NUMBER_MULTIPLIERS.get(match.group(2), 0) if match and match.group(2) else 1
    if not match or not multiplier:
        raise _invalid("number")
    amount = Decimal(match.group(1)) * multiplier
    if amount != amount.to_integral_value():
        raise _invalid("number")
    number, low, high = int(amount), rules.get("min"), rules.get("max")
    if low is not None and high is not None and not low <= number <= high:
        raise _invalid("number_range", min=indian_grouping(int(low)), max=indian_grouping(int(high)))
    if low is not None and number < low:
        raise _invalid("number_min", min=indian_grouping(int(low)))
    if high is not None and number > high:
        raise _invalid("number_max", max=indian_grouping(int(high)))
    return Answer(value=number, display=indian_grouping(number))


def _parse_phone(text: str, rules: dict) -> Answer:
    match = PHONE_RE.fullmatch(re.sub(r"[\s\-().]", "", text))
    if not match:
        raise _invalid("phone")
    number = match.group(1)
    return Answer(value=number, display=f"{number[:5]} {number[5:]}")


def _parse_pincode(text: str, rules: dict) -> Answer:
    pin = re.sub(r"[\s\-]", "", text)
    if not re.fullmatch(r"[1-9]\d{5}", pin):
        raise _invalid("pincode")
    if not pin.startswith("110"):
        raise _invalid("pincode_not_delhi")
    if pin == "110000":
        raise _invalid("pincode")
    return Answer(value=pin, display=pin)


def _parse_aadhaar(text: str, rules: dict) -> Answer:
    digits = re.sub(r"[\s\-]", "", text)
    if not re.fullmatch(r"\d{12}", digits):
        raise _invalid("aadhaar")
    if digits[0] in "01" or not verhoeff_valid(digits):
        raise _invalid("aadhaar_invalid")
    masked = f"XXXX XXXX {digits[-4:]}"
    return Answer(value=masked, display=masked, aadhaar_hash=aadhaar_hash(digits))


def _parse_email(text: str, rules: dict) -> Answer:
    address = text.lower().removeprefix("mailto:").replace(" ", "")
    if len(address) > 254 or not EMAIL_RE.fullmatch(address) or ".." in address:
        raise _invalid("email")
    return Answer(value=address, display=address)


def _parse_yesno(text: str, rules: dict) -> Answer:
    words = _words(text)
    if words in YES_WORDS:
        return Answer(value=True, display=str(YES))
    if words in NO_WORDS:
        return Answer(value=False, display=str(NO))
    raise _invalid("yesno")


def _parse_date(text: str, rules: dict, today: datetime.date) -> Answer:
    rule = rules.get("date")
    words = _words(text)
    if words in RELATIVE_DAYS:
        day = today + datetime.timedelta(days=RELATIVE_DAYS[words])
    elif words in AMBIGUOUS_DAYS:
        if rule not in ("past", "future"):
            raise _invalid("date_ambiguous")
        day = today + datetime.timedelta(days=AMBIGUOUS_DAYS[words] * (-1 if rule == "past" else 1))
    else:
        day = _date_from_parts(*_date_parts(text), rule, today)
    if day < EARLIEST_DATE:
        raise _invalid("date_too_old")
    if rule == "past" and day > today:
        raise _invalid("date_not_past")
    if rule == "future" and day < today:
        example = (today + datetime.timedelta(days=30)).strftime("%d/%m/%Y")
        raise _invalid("date_not_future", example=example)
    return Answer(value=day.isoformat(), display=date_display(day=day))


def _date_parts(text: str) -> tuple[str, int, str]:
    """(day, month, year as typed) from any of the ways citizens write a date."""
    text = text.strip(" .,").lower()
    if match := ISO_DATE_RE.fullmatch(text):
        return match.group(3), int(match.group(2)), match.group(1)
    if match := NUMERIC_DATE_RE.fullmatch(text):
        return match.group(1), int(match.group(2)), match.group(3)
    if re.fullmatch(r"\d{8}|\d{6}", text):  # 12032019 or 120319
        return text[:2], int(text[2:4]), text[4:]
    tokens = [token for token in _words(ORDINAL_RE.sub("", text)).split() if token != "of"]
    months = [MONTH_WORDS[token] for token in tokens if token in MONTH_WORDS]
    numbers = [token for token in tokens if token.isdigit()]
    if len(tokens) != 3 or len(months) != 1 or len(numbers) != 2:
        raise _invalid("date")
    day, year = numbers if len(numbers[0]) <= 2 else numbers[::-1]  # "2019 March 12" also happens
    if len(day) > 2 or len(year) not in (2, 4):
        raise _invalid("date")
    return day, months[0], year


def _date_from_parts(day: str, month: int, year: str, rule: str | None, today: datetime.date) -> datetime.date:
    full_year = int(year)
    if len(year) == 2:
        full_year += 2000
        if rule == "past" and (full_year, month, int(day)) > (today.year, today.month, today.day):
            full_year -= 100
        elif rule is None and full_year > today.year + 10:
            full_year -= 100
    try:
        return datetime.date(full_year, month, int(day))
    except ValueError:
        raise _invalid("date_impossible", date=f"{int(day):02d}/{month:02d}/{full_year}") from None


def _parse_choice(text: str, choices: list) -> Answer:
    def found(choice) -> Answer:
        return Answer(value=choice.value, display=choice_label(choice))

    for choice in choices:
        if text == choice.value:
            return found(choice)
    typed = _words(text)
    if typed.isdigit() and 1 <= int(typed) <= len(choices):
        return found(choices[int(typed) - 1])
    names = {choice.value: _choice_names(choice) for choice in choices}
    for choice in choices:
        if typed in names[choice.value]:
            return found(choice)
    if len(typed) >= 3:
        scores = sorted(
            ((max(fuzz.WRatio(typed, name) for name in names[choice.value]), i) for i, choice in enumerate(choices)),
            reverse=True,
        )
        best, runner_up = scores[0][0], scores[1][0] if len(scores) > 1 else 0
        if best >= 85 and runner_up < best - 10:
            return found(choices[scores[0][1]])
    options = lazy(lambda: "\n".join(f"{i}. {choice_label(c)}" for i, c in enumerate(choices, start=1)), str)
    raise _invalid("choice", options=options)


def _choice_names(choice) -> set[str]:
    """Every way a citizen may name this choice: its value, its labels, and each part of a "A / B" label."""
    names = {_words(choice.value.replace("_", " "))}
    for label in (choice.label_en, choice.label_hi):
        if label:
            names.add(_words(unicodedata.normalize("NFC", label)))
            names.update(_words(part) for part in re.split(r"[/,]| or | या ", label) if _words(part))
    return names


_PARSERS = {
    "text": _parse_text,
    "number": _parse_number,
    "phone": _parse_phone,
    "pincode": _parse_pincode,
    "aadhaar": _parse_aadhaar,
    "email": _parse_email,
    "yesno": _parse_yesno,
}
