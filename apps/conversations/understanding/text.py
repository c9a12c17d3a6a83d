"""Text made comparable across the three ways citizens write: Devanagari, English and Hinglish.

Everything is compared in one space, lower-case Latin letters:
- Devanagari digits become ASCII digits before anything else (a reference or a menu number typed as १२३);
- Devanagari words are romanised by rule (`romanise`: "जन्म प्रमाण पत्र" -> "janm praman patr"), the way
  people write Hinglish, with the inherent vowel dropped at the end of a word and before a consonant that
  carries its own vowel ("करना" -> "karna");
- Latin words are folded (`fold`: doubled letters and long vowels collapse, "paani" -> "pani");
- a phonetic key (`skeleton`) drops vowels and aspiration, so "janm", "janam" and "janma" meet, and so do
  "pension" and "penshan".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
DEVANAGARI_RE = re.compile(r"[\u0900-\u097F]")
TOKEN_RE = re.compile(r"[a-z0-9]+|[\u0900-\u0963\u0966-\u097F]+")

_CONSONANTS = {
    "क": "k", "ख": "kh", "ग": "g", "घ": "gh", "ङ": "n", "च": "ch", "छ": "chh", "ज": "j", "झ": "jh", "ञ": "n",
    "ट": "t", "ठ": "th", "ड": "d", "ढ": "dh", "ण": "n", "त": "t", "थ": "th", "द": "d", "ध": "dh", "न": "n",
    "प": "p", "फ": "ph", "ब": "b", "भ": "bh", "म": "m", "य": "y", "र": "r", "ल": "l", "व": "v", "श": "sh",
    "ष": "sh", "स": "s", "ह": "h", "ळ": "l", "क़": "k", "ख़": "kh", "ग़": "g", "ज़": "z", "ड़": "r", "ढ़": "rh",
    "फ़": "f", "य़": "y",
}  # fmt: skip
_VOWELS = {
    "अ": "a", "आ": "a", "इ": "i", "ई": "i", "उ": "u", "ऊ": "u", "ऋ": "ri", "ए": "e", "ऐ": "ai", "ओ": "o",
    "औ": "au", "ऑ": "o", "ऍ": "e",
}  # fmt: skip
_MATRAS = {
    "ा": "a", "ि": "i", "ी": "i", "ु": "u", "ू": "u", "ृ": "ri", "े": "e", "ै": "ai", "ो": "o", "ौ": "au",
    "ॉ": "o", "ॅ": "e",
}  # fmt: skip
_VIRAMA, _NUKTA = "्", "़"
_NASALS = {"ं", "ँ"}
_VISARGA = "ः"

# Applied in order to a folded Latin word: aspirates and near-sounds become one letter, then vowels go.
_SKELETON_RULES = [
    ("chh", "c"), ("ch", "c"), ("sh", "s"), ("kh", "k"), ("gh", "g"), ("th", "t"), ("dh", "d"), ("ph", "f"),
    ("bh", "b"), ("jh", "j"), ("rh", "r"), ("ck", "k"), ("q", "k"), ("x", "ks"), ("w", "v"), ("z", "j"),
    ("f", "p"), ("ce", "se"), ("ci", "si"), ("cy", "sy"), ("c", "k"),
]  # fmt: skip


def digits_ascii(text: str) -> str:
    """Devanagari digits as ASCII digits; everything else unchanged."""
    return text.translate(DEVANAGARI_DIGITS)


def clean(text: str) -> str:
    """NFC, ASCII digits, lower case, no zero-width joiners: the form every other step starts from."""
    text = unicodedata.normalize("NFC", digits_ascii(text or ""))
    return text.replace("\u200c", "").replace("\u200d", "").replace("\ufeff", "").lower()


def has_devanagari(text: str) -> bool:
    return bool(DEVANAGARI_RE.search(text))


def _syllables(word: str) -> list[list[str]]:
    """[consonant-or-None, vowel, coda] units of a Devanagari word; vowel None means the inherent 'a'."""
    units: list[list] = []
    chars = unicodedata.normalize("NFD", word)
    i = 0
    while i < len(chars):
        char = chars[i]
        if i + 1 < len(chars) and chars[i + 1] == _NUKTA:
            char, i = unicodedata.normalize("NFC", char + _NUKTA), i + 1
        if char in _CONSONANTS:
            units.append([_CONSONANTS[char], None, ""])
        elif char in _VOWELS:
            units.append([None, _VOWELS[char], ""])
        elif char in _MATRAS and units:
            units[-1][1] = _MATRAS[char]
        elif char == _VIRAMA and units:
            units[-1][1] = ""
        elif (char in _NASALS or char == _VISARGA) and units:
            units[-1][2] += "n" if char in _NASALS else "h"
        i += 1
    return units


@lru_cache(maxsize=8192)
def romanise(word: str) -> str:
    """One Devanagari word in Latin letters as Hinglish writers spell it ("प्रमाणपत्र" -> "pramanpatr")."""
    units = _syllables(word)
    out = []
    for index, (consonant, vowel, coda) in enumerate(units):
        if consonant is not None and vowel is None:
            last = index == len(units) - 1
            following = units[index + 1] if not last else None
            # Schwa deletion: no inherent 'a' at the end of a word, nor in the middle before a consonant that
            # carries its own vowel, when the syllable before has one ("करना" karna, "समझना" samajhna).
            previous_vowel = index > 0 and units[index - 1][1] != ""
            medial = (
                following is not None
                and following[0] is not None
                and following[1] not in (None, "")
                and previous_vowel
                and index > 0
                and not coda
            )
            vowel = "" if (last and index > 0 and not coda) or medial else "a"
        out.append((consonant or "") + (vowel or "") + coda)
    return "".join(out)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """A Latin word with spelling variants folded: "paani" -> "pani", "bijlee" -> "bijli"."""
    word = word.replace("ee", "i").replace("oo", "u")
    return re.sub(r"([a-z])\1+", r"\1", word)


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """Phonetic key of a folded Latin word: consonants only, aspiration and near-sounds merged."""
    for old, new in _SKELETON_RULES:
        word = word.replace(old, new)
    # A leading vowel stays (as "a"), so "abort" and "brth" do not meet.
    head = "a" if word[:1] in "aeiou" else word[:1]
    rest = re.sub(r"[aeiouy]", "", word[1:].replace("h", ""))
    return re.sub(r"(.)\1+", r"\1", head + rest)


@lru_cache(maxsize=65536)
def latin(token: str) -> str:
    """A token (Latin or Devanagari) in the common folded Latin form."""
    return fold(romanise(token) if has_devanagari(token) else token)


def tokens(text: str) -> list[str]:
    """The words of a text, cleaned and in the common Latin form (digits kept as words)."""
    return [latin(token) for token in TOKEN_RE.findall(clean(text))]


def raw_tokens(text: str) -> list[str]:
    """The words of a text, cleaned but in their own script."""
    return TOKEN_RE.findall(clean(text))
