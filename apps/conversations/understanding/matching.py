"""Word-level fuzzy matching in the common Latin form, shared by intent cues and service names.

A word of the message matches a word of the vocabulary when it is the same after folding (1.0), has the same
phonetic key (0.9: "janam"/"janm", "penshan"/"pension"), or is a close spelling (the rapidfuzz ratio, from 0.8:
"certficate", "complant"). Short words must match exactly: at three letters a typo is another word. A word
that matches nothing is tried as two known words run together ("birthcertificate", "प्रमाणपत्र").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from .text import skeleton, tokens

SKELETON_SIMILARITY = 0.9
MIN_SKELETON = 3
MIN_FUZZY_LENGTH = 4


def _fuzzy_cutoff(length: int) -> float:
    # Up to five letters only one letter more or less; longer words may also have one letter wrong.
    return 85.0 if length <= 5 else 84.0 if length <= 7 else 80.0


class Matcher:
    """Matches words of a message against a fixed vocabulary of folded Latin words."""

    def __init__(
        self, vocabulary: Iterable[str], *, known: Iterable[str] = (), phonetic: bool = True, exact_wins: bool = False
    ):
        # `known` words are real words that are not in the vocabulary: a token that is one of them is itself,
        # never a near spelling of a vocabulary word ("office" is not a typo of "officer").
        self.known = set(known)
        self.phonetic = phonetic
        self.exact_wins = exact_wins  # a word typed right is that word only, not also its near spellings
        self.words = sorted({word for word in vocabulary if word})
        self.exact = set(self.words)
        self.by_skeleton: dict[str, list[str]] = defaultdict(list)
        for word in self.words:
            key = skeleton(word)
            if len(key) >= MIN_SKELETON:
                self.by_skeleton[key].append(word)
        self.long_words = [word for word in self.words if len(word) >= MIN_FUZZY_LENGTH]
        self._cache: dict[str, dict[str, float]] = {}

    def word(self, token: str) -> dict[str, float]:
        """Vocabulary words this token may be, with a similarity from 0.8 to 1."""
        found = self._cache.get(token)
        if found is not None:
            return found
        found = {}
        if token in self.exact:
            found[token] = 1.0
            if self.exact_wins:
                self._cache[token] = found
                return found
        elif token in self.known:
            self._cache[token] = found
            return found
        key = skeleton(token)
        if self.phonetic and len(key) >= MIN_SKELETON:
            for word in self.by_skeleton.get(key, ()):
                found.setdefault(word, SKELETON_SIMILARITY)
        if len(token) >= MIN_FUZZY_LENGTH and not token.isdigit():
            cutoff = _fuzzy_cutoff(len(token))
            for word, score, _ in process.extract(
                token, self.long_words, scorer=fuzz.ratio, score_cutoff=cutoff, limit=8
            ):
                if score >= _fuzzy_cutoff(min(len(token), len(word))):
                    # A fuzzy match is never better than a phonetic one, and never as good as the exact word.
                    found.setdefault(word, min(0.89, score / 100))
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[token] = found
        return found

    def _known(self, token: str) -> bool:
        return token in self.exact or (self.phonetic and skeleton(token) in self.by_skeleton)

    def split(self, token: str) -> list[str] | None:
        """Two known words of four letters or more run together, or None."""
        if len(token) < 8:
            return None
        for cut in range(4, len(token) - 3):
            left, rest = token[:cut], token[cut:]
            # Romanised compounds keep the inherent vowel at the joint: "pramanapatr" is praman + patr.
            for right in (rest, rest[1:]) if rest[0] == "a" and len(rest) > 4 else (rest,):
                if self._known(left) and self._known(right):
                    return [left, right]
        return None

    def message(self, words: list[str]) -> list[dict[str, float]]:
        """For each word of a message (compounds split), the vocabulary words it matches."""
        out = []
        for token in words:
            parts = None if token in self.exact or token in self.known else self.split(token)
            if parts:
                out.extend(self.word(part) for part in parts)
            else:
                out.append(self.word(token))
        return out


def phrase_words(phrase: str) -> tuple[str, ...]:
    return tuple(tokens(phrase))


def phrase_find(
    matches: list[dict[str, float]], phrase: tuple[str, ...], *, max_gap: int = 2
) -> tuple[float, tuple[int, ...]]:
    """How well a phrase appears in order in a message (the weakest word's similarity) and where, or 0."""
    best: tuple[float, tuple[int, ...]] = (0.0, ())
    first = phrase[0]
    for start, found in enumerate(matches):
        if first not in found:
            continue
        similarity, positions = found[first], [start]
        for word in phrase[1:]:
            for next_position in range(positions[-1] + 1, min(len(matches), positions[-1] + 2 + max_gap)):
                if word in matches[next_position]:
                    similarity = min(similarity, matches[next_position][word])
                    positions.append(next_position)
                    break
            else:
                similarity = 0.0
                break
        if similarity > best[0]:
            best = (similarity, tuple(positions))
    return best
