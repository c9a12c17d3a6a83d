"""Aadhaar numbers are never stored or logged in full (Aadhaar Act 2016, s. 29; UIDAI's masking rule).

Citizens type them into chats ("my aadhaar is 2345 6789 0124"). Whatever a citizen wrote is masked before
it is stored: every 12-digit run that is a valid Aadhaar number (first digit 2-9, Verhoeff check digit),
with or without spaces or hyphens, keeps only its last four digits: "XXXX XXXX 0124".

A number that must be matched later (the same citizen applying twice) is kept as `aadhaar_hash`, an HMAC
keyed by settings.AADHAAR_HASH_KEY: without the key the hash cannot be turned back into the number by
trying all 10^11 valid ones.
"""

import hashlib
import hmac
import re

from django.conf import settings

# Verhoeff tables.
_D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
      [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
      [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]  # fmt: skip
_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
      [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 7, 8, 6, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
      [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]  # fmt: skip

# 12 digits, optionally in groups of four split by a space or hyphen, not inside a longer run of digits.
# ASCII or Devanagari digits (२३४५ ...): citizens type both, and int() reads both for the checksum.
AADHAAR_RE = re.compile(r"(?<!\d)([2-9२-९]\d{3})([ \-]?)(\d{4})\2(\d{4})(?!\d)")
# Keys in Meta's payloads that carry identities, not what a citizen typed: never masked.
IDENTITY_KEYS = {
    "from", "wa_id", "id", "recipient_id", "phone_number_id", "display_phone_number", "user_id", "from_user_id",
    "message_id", "timestamp", "recipient_user_id", "biz_opaque_callback_data", "sha256", "mime_type", "phone",
}  # fmt: skip


def verhoeff_valid(digits: str) -> bool:
    check = 0
    for position, digit in enumerate(reversed(digits)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


def aadhaar_mask(text: str) -> str:
    """The text with every valid Aadhaar number masked to its last four digits."""

    def mask(match: re.Match) -> str:
        first, separator, second, last = match.groups()
        if not verhoeff_valid(first + second + last):
            return match.group(0)
        return f"XXXX{separator}XXXX{separator}{last}"

    return AADHAAR_RE.sub(mask, text) if text else text


def aadhaar_mask_json(value, key: str = ""):
    """A JSON value with Aadhaar numbers masked in every string a citizen could have typed."""
    if isinstance(value, str):
        return value if key in IDENTITY_KEYS else aadhaar_mask(value)
    if isinstance(value, dict):
        return {k: aadhaar_mask_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [aadhaar_mask_json(v, key) for v in value]
    return value


def aadhaar_hash(number: str) -> str:
    """HMAC-SHA256 (hex) of the number's 12 digits, keyed by settings.AADHAAR_HASH_KEY, for matching."""
    digits = "".join(str(int(digit)) for digit in re.findall(r"\d", number))
    if len(digits) != 12:
        raise ValueError("an Aadhaar number has 12 digits")
    return hmac.new(settings.AADHAAR_HASH_KEY.encode(), digits.encode(), hashlib.sha256).hexdigest()


def aadhaar_hashes_json(value, key: str = "") -> dict[str, str]:
    """{last four digits: keyed hash} of every valid Aadhaar number in the strings a citizen could have
    typed (as `aadhaar_mask_json` would mask them): taken before masking, so that what is stored masked can
    still be matched ("the same Aadhaar as another application") without the number being kept."""
    found: dict[str, str] = {}
    if isinstance(value, str):
        if key not in IDENTITY_KEYS:
            for first, _, second, last in AADHAAR_RE.findall(value):
                if verhoeff_valid(first + second + last):
                    found["".join(str(int(d)) for d in last)] = aadhaar_hash(first + second + last)
    elif isinstance(value, dict):
        for k, v in value.items():
            found |= aadhaar_hashes_json(v, str(k))
    elif isinstance(value, list):
        for v in value:
            found |= aadhaar_hashes_json(v, key)
    return found
