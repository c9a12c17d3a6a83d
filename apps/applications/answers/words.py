"""The word tables the answers are read with (yes, no, skip, months as citizens spell them, relative days,
lakh and crore), the patterns, and what the citizen is told when an answer cannot be used."""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.formatting import MONTHS_EN

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


# What `apps.core.aadhaar.aadhaar_mask` leaves of a valid number.
MASKED_AADHAAR_RE = re.compile(r"XXXX[ \-]?XXXX[ \-]?(\d{4})")
