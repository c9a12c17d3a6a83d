"""The one rule for text a citizen reads: it exists in English and in Hindi, and the Hindi is Hindi.

Pure Python (no Django import): the catalogue checker uses it from the command line too.
"""

import re

DEVANAGARI_RE = re.compile(r"[\u0900-\u097F]")


def bilingual_problem(en: object, hi: object, *, required: bool = True) -> str | None:
    """Why an English/Hindi pair is not fit for citizens, or None."""
    if not required and not en and not hi:
        return None
    if not isinstance(en, str) or not en.strip():
        return "the English is empty"
    if not isinstance(hi, str) or not hi.strip():
        return "the Hindi is empty"
    if not DEVANAGARI_RE.search(hi):
        return "the Hindi has no Hindi (Devanagari) text"
    if hi.strip() == en.strip():
        return "the Hindi is a copy of the English"
    return None
