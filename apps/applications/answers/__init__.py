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

from apps.core.formatting import date_display

from .display import answer_display, answer_hint
from .parse import Answer, AnswerInvalid, answer_parse
from .words import HINTS, MESSAGES

__all__ = [
    "HINTS",
    "MESSAGES",
    "Answer",
    "AnswerInvalid",
    "answer_display",
    "answer_hint",
    "answer_parse",
    "date_display",
]
