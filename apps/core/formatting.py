"""How numbers, money and dates are shown to people, in one place: the chat, the back office, certificates and
receipts all print them the same way.

Our own month names, not Django's: its Hindi catalogue misspells some (नवमबर for नवंबर). These are the names
for display; reading the many ways citizens type a month is the answers parser's business.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import get_language

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")  # fmt: skip
MONTHS_HI = ("जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर",
             "दिसंबर")  # fmt: skip
IST = ZoneInfo("Asia/Kolkata")


def _hindi(language: str | None) -> bool:
    return (language if language is not None else get_language() or "").startswith("hi")


def indian_grouping(number: int) -> str:
    """1,20,000: the digit grouping citizens read (lakhs and crores)."""
    sign, digits = ("-", str(-number)) if number < 0 else ("", str(number))
    head, tail = digits[:-3], digits[-3:]
    groups = [head[max(i - 2, 0) : i] for i in range(len(head), 0, -2)][::-1]
    return sign + ",".join([*groups, tail]) if head else sign + tail


def rupees(paise: int) -> str:
    """₹1,23,456.50 style: Indian digit grouping, paise shown only when there are any."""
    whole, fraction = divmod(int(paise), 100)
    return f"₹{indian_grouping(whole)}" + (f".{fraction:02d}" if fraction else "")


def month_name(month: int, *, language: str | None = None) -> str:
    """The month's name in `language` ("hi" or "en"; default: the active language)."""
    return (MONTHS_HI if _hindi(language) else MONTHS_EN)[month - 1]


def date_display(*, day: datetime.date, language: str | None = None) -> str:
    """12 March 2019, or 12 मार्च 2019 in Hindi (default: the active language)."""
    return f"{day.day} {month_name(day.month, language=language)} {day.year}"


def datetime_display(*, moment: datetime.datetime, language: str | None = None) -> str:
    """ "5 March 2025, 14:30 IST" (or "5 मार्च 2025, 14:30 IST"), in Delhi's time."""
    local = moment.astimezone(IST)
    return f"{date_display(day=local.date(), language=language)}, {local:%H:%M} IST"
