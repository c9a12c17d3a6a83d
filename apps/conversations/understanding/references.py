"""References citizens quote: DLA (application), DLG (grievance), DLP (payment), a year and a number.

The canonical form is the prefix, a two-digit year and a seven-digit number: ``DLA260001234``. Citizens read
them out over the phone and type them back any way: ``dla 26 0001234``, ``DLA-26-0001234``, ``dla2026 1234``,
``DLA-2026-000123``. Case, spaces, hyphens, dots and slashes are ignored; a four-digit year (20YY) is shortened;
a short number is padded with zeros. Devanagari digits are read as ASCII digits first.
"""

from __future__ import annotations

import re

from .text import digits_ascii

PREFIXES = ("DLA", "DLG", "DLP")
CANONICAL_RE = re.compile(r"^DL[AGP]\d{2}\d{7}$")
_SEP = r"[\s\-_./:#]*"
# The prefix, then digits possibly broken up by separators; not part of a longer word or number.
_CANDIDATE_RE = re.compile(rf"(?<![A-Z0-9])(DL[AGP]){_SEP}(\d[\d\s\-_./]*)", re.IGNORECASE)


def _from_groups(groups: list[str]) -> tuple[str, str] | None:
    first = groups[0]
    if len(first) == 9:
        return first[:2], first[2:]
    if len(first) in (10, 11) and first.startswith("20"):
        return first[2:4], first[4:]
    if len(first) == 4 and first.startswith("20"):
        year = first[2:]
    elif len(first) == 2:
        year = first
    else:
        return None
    number = ""
    for group in groups[1:]:
        if len(number) + len(group) > 7:
            break
        number += group
    return (year, number) if number else None


def reference_parse(text: str) -> str | None:
    """The first reference in a message, in canonical form (``DLA260001234``), or None."""
    for match in _CANDIDATE_RE.finditer(digits_ascii(text or "")):
        parts = _from_groups(re.findall(r"\d+", match.group(2)))
        if parts is None:
            continue
        year, number = parts
        if not number.strip("0") or len(number) > 7:
            continue
        return f"{match.group(1).upper()}{year}{number.zfill(7)}"
    return None


def reference_spans(text: str) -> list[tuple[int, int]]:
    """Where references (or things shaped like them) sit in a text, so other readers can skip them."""
    return [match.span() for match in _CANDIDATE_RE.finditer(digits_ascii(text or ""))]


def reference_is_valid(value: object) -> bool:
    """Whether a value is a reference in canonical form."""
    return isinstance(value, str) and bool(CANONICAL_RE.match(value))
