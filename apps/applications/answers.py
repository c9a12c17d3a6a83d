"""What a citizen typed on WhatsApp, read as the value of one form field, or a bilingual error saying why not.

Citizens write in English, Hindi and Hinglish, often on cheap phones, sometimes with Devanagari digits
(१२/०३/२०१९). Every answer is normalised first (NFC, ASCII digits, one space between words, no zero-width
joiners), then read by the field's type. An answer that cannot be read raises `AnswerInvalid` with a message
that names what is expected and gives an example, so the citizen can try again.

Decisions worth knowing:
- Dates are always day first (India): 03/04/2019 is 3 April.
- "kal" (and "parso") means yesterday or tomorrow depending on context: for a field whose date must be in
  the past it is yesterday, for a future field tomorrow, and for a field with no rule it is refused as
  ambiguous, because guessing wrong silently would put a wrong date on a certificate.
- Two-digit years: for a past field the century that keeps the date from being in the future ("85" ->
  1985, "19" -> 2019); for a future field 20xx; otherwise 20xx up to ten years ahead, else 19xx.
- An optional field answered with nothing or with "skip" / "chhodo" / "छोड़ें" has the value "".
- A text answer is stored with any valid Aadhaar number in it masked (Aadhaar Act s. 29): citizens paste
  their Aadhaar into the wrong question.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz

from apps.core.aadhaar import aadhaar_hash, aadhaar_mask, verhoeff_valid
from apps.core.formatting import MONTHS_EN, date_display, indian_grouping

if TYPE_CHECKING:
    from apps.services.models import FormField

DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")


def _nfc(words: set[str]) -> set[str]:
    # "ड़" and "फ़" can be typed as one character or as two; NFC makes both the same two.
    return {unicodedata.normalize("NFC", word) for word in words}


SKIP_WORDS = _nfc({"skip", "chhodo", "chodo", "छोड़ें", "छोड़ो", "छोड़े"})
YES_WORDS = _nfc({"yes", "y", "yeah", "yep", "haan", "haa", "han", "ha", "ji", "hanji", "haanji", "ji haan", "ji han",
             "haan ji", "han ji", "हाँ", "हां", "हा", "जी", "जी हाँ", "जी हां", "हाँ जी", "हां जी"})  # fmt: skip
NO_WORDS = _nfc({"no", "n", "nope", "nahi", "nahin", "nhi", "nai", "na", "naa", "nahi ji", "ji nahi", "ji nahin",
            "नहीं", "नही", "ना", "जी नहीं", "जी नही", "नहीं जी"})  # fmt: skip
_MONTH_SPELLINGS = (
    "jan janvari janvary janwari janwary jnvri जनवरी",
    "feb febuary feburary farvari farwari farvary farwary fravri फ़रवरी फरवरी",
    "mar maarch marc मार्च",
    "apr aprail aprel aprial अप्रैल अप्रेल",
    "may mai मई",
    "jun joon जून",
    "jul julai julaai जुलाई",
    "aug agast agust augast अगस्त",
    "sep sept sitambar sitamber sitmbar सितंबर सितम्बर",
    "oct aktubar aktoobar oktober अक्टूबर अक्तूबर",
    "nov navambar navamber novembar नवंबर नवम्बर",
    "dec disambar disamber december दिसंबर दिसम्बर",
)
MONTH_WORDS = {
    unicodedata.normalize("NFC", word): number
    for number, spellings in enumerate(_MONTH_SPELLINGS, start=1)
    for word in (*spellings.split(), MONTHS_EN[number - 1].lower())
}
# Days from today for the relative words; "kal" and "parso" take their sign from the field's date rule.
RELATIVE_DAYS = {"today": 0, "aaj": 0, "aj": 0, "आज": 0, "yesterday": -1, "tomorrow": 1}
AMBIGUOUS_DAYS = {"kal": 1, "कल": 1, "parso": 2, "parson": 2, "परसों": 2, "परसो": 2}
_MULTIPLIERS = {"hazar": 1_000, "hazaar": 1_000, "thousand": 1_000, "हज़ार": 1_000, "हजार": 1_000,
                "lakh": 100_000, "lac": 100_000, "lakhs": 100_000, "लाख": 100_000,
                "crore": 10_000_000, "karod": 10_000_000, "करोड़": 10_000_000}  # fmt: skip
NUMBER_MULTIPLIERS = {unicodedata.normalize("NFC", word): times for word, times in _MULTIPLIERS.items()}
# Rupees and years said around a number ("₹ 1,20,000/-", "Rs. 500", "45 saal"): dropped.
NUMBER_NOISE_RE = re.compile(
    r"₹|/-|रुपये|रुपए|रु\.?|साल|वर्ष|\b(?:rs|inr|rupees?|rupaye|rupay|years?|yrs|saal|sal|baras)\b\.?"
)
EMAIL_RE = re.compile(
    r"[a-z0-9](?:[a-z0-9._%+-]*[a-z0-9])?@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.[a-z]{2,}"
)
PHONE_RE = re.compile(r"(?:\+?91|0091|0)?([6-9]\d{9})")
NUMERIC_DATE_RE = re.compile(r"(\d{1,2})\s*[-/.\s]\s*(\d{1,2})\s*[-/.\s]\s*(\d{4}|\d{2})")
ISO_DATE_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
ORDINAL_RE = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b")
EARLIEST_DATE = datetime.date(1900, 1, 1)

MESSAGES = {
    "required": _("This answer is needed to go on. Please send it."),
    "date": _("Please send a date like 12/03/2019 (day/month/year)."),
    "date_impossible": _(
        "There is no date %(date)s. Please check the day and the month; the day comes first, "
        "like 12/03/2019 for 12 March 2019."
    ),
    "date_too_old": _("Please check the year: dates before 1900 are not accepted."),
    "date_not_past": _(
        "This date cannot be in the future. Please send today's date or an earlier one, like 12/03/2019."
    ),
    "date_not_future": _("This date cannot be in the past. Please send today's date or a later one, like %(example)s."),
    "date_ambiguous": _("“Kal” can mean yesterday or tomorrow. Please send the date itself, like 12/03/2019."),
    "number": _("Please send a number in digits, like 25."),
    "number_range": _("Please send a number from %(min)s to %(max)s."),
    "number_min": _("Please send a number of at least %(min)s."),
    "number_max": _("Please send a number no bigger than %(max)s."),
    "text_short": _("That is too short. Please send at least %(min)s characters."),
    "text_long": _("That is too long. Please send at most %(max)s characters."),
    "text_format": _("This answer is not in the expected form. Please check it and send it again."),
    "phone": _("Please send a 10-digit mobile number, like 9876543210."),
    "pincode": _("Please send a 6-digit Delhi PIN code, like 110001."),
    "pincode_not_delhi": _(
        "This service is for Delhi addresses, and Delhi PIN codes start with 110. "
        "Please send the PIN code of your address in Delhi, like 110001."
    ),
    "aadhaar": _("Please send the 12-digit Aadhaar number printed on the card, in the form XXXX XXXX XXXX."),
    "aadhaar_invalid": _("This Aadhaar number is not valid. Please check the digits on the card and send it again."),
    "email": _("Please send an email address like name@example.com."),
    "yesno": _("Please reply yes or no."),
    "choice": _("Sorry, that did not match an option. Please choose one of these, or send its number:\n%(options)s"),
}
HINTS = {
    "date": _("Send the date like %(example)s (day/month/year)"),
    "number": _("Send a number in digits, like %(example)s"),
    "number_range": _("Send a number from %(min)s to %(max)s"),
    "phone": _("Send a 10-digit mobile number, like 9876543210"),
    "pincode": _("Send a 6-digit Delhi PIN code, like 110001"),
    "aadhaar": _("Send the 12-digit Aadhaar number; only its last 4 digits are kept"),
    "email": _("Send an email address, like name@example.com"),
    "yesno": _("Reply yes or no"),
}
YES, NO = pgettext_lazy("answer", "Yes"), pgettext_lazy("answer", "No")


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


def _hindi() -> bool:
    return (get_language() or "").startswith("hi")


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
        return _choice_label(choice) if choice is not None else str(value)
    if field.type == "yesno":
        return str(YES if value is True else NO)
    if field.type == "number" and isinstance(value, int):
        return indian_grouping(value)
    if field.type == "phone" and len(str(value)) == 10:
        return f"{str(value)[:5]} {str(value)[5:]}"
    return str(value)


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
                raise AnswerInvalid(lazy(lambda: hi if _hindi() else en, str)())
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


# What `apps.core.aadhaar.aadhaar_mask` leaves of a valid number.
MASKED_AADHAAR_RE = re.compile(r"XXXX[ \-]?XXXX[ \-]?(\d{4})")


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


def _choice_label(choice) -> str:
    return choice.label_hi if _hindi() and choice.label_hi else choice.label_en


def _parse_choice(text: str, choices: list) -> Answer:
    def found(choice) -> Answer:
        return Answer(value=choice.value, display=_choice_label(choice))

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
    options = lazy(lambda: "\n".join(f"{i}. {_choice_label(c)}" for i, c in enumerate(choices, start=1)), str)
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
