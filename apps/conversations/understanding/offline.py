"""The offline understander: intent, service, reference and language of one message, with no outside call.

1. The text is cleaned (Devanagari digits to ASCII first), the reference read, and the words put in the common
   Latin form (Devanagari romanised, Hinglish folded).
2. Services: every active service's phrases (names and synonyms in both languages) are scored against the
   words, each word weighted by how rare it is in the catalogue.
3. Intents: the cue words of each intent (lexicon.py) are found with the same tolerance and their weights
   summed; a reference, a named service and the message's length adjust the sums.
4. The service is chosen knowing the intent (a status question prefers a status service).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .catalogue import KIND_INTENT, CatalogueIndex
from .lexicon import CONTROL_INTENTS, CUES, ENGLISH_WORDS, HINGLISH_WORDS, PRIORITY
from .matching import Matcher, phrase_find, phrase_words
from .references import reference_parse
from .text import clean, has_devanagari, tokens
from .types import Understanding

UNSURE = 0.5
SERVICE_INTENTS = {"apply", "status", "pay", "service_info", "grievance", "feedback"}


@lru_cache(maxsize=1)
def _cue_phrases() -> list[tuple[str, tuple[str, ...], float]]:
    """(intent, words, weight) of every cue, longest first: a phrase claims its words before a single word."""
    cues = [(intent, words, weight) for intent, phrases in CUES.items() for phrase, weight in phrases
            if (words := phrase_words(phrase))]  # fmt: skip
    return sorted(cues, key=lambda cue: -len(cue[1]))


@lru_cache(maxsize=1)
def cue_words() -> frozenset[str]:
    """Every word of every intent cue, in the common Latin form."""
    return frozenset(word for _, words, _ in _cue_phrases() for word in words)


_matchers: dict[int, Matcher] = {}


def _cues(index: CatalogueIndex | None):
    # Cue words are matched without the phonetic key: short function words collide too easily ("street" and
    # "start" share one). Words the catalogue knows are themselves, not typos of a cue ("office"/"officer").
    key = id(index.matcher) if index is not None else 0
    matcher = _matchers.get(key)
    if matcher is None:
        known = (set(index.matcher.words) if index is not None else set()) | HINGLISH_WORDS | ENGLISH_WORDS
        matcher = Matcher(cue_words(), known=known - cue_words(), phonetic=False, exact_wins=True)
        _matchers.clear()
        _matchers[key] = matcher
    return matcher, _cue_phrases()


_HINDI_TARGETS = {word for phrase in ("hindi", "हिंदी", "हिन्दी") for word in phrase_words(phrase)}
_ENGLISH_TARGETS = {word for phrase in ("english", "angrezi", "angreji", "inglish", "अंग्रेज़ी", "अंग्रेजी",
                                        "इंग्लिश") for word in phrase_words(phrase)}  # fmt: skip


def language_detect(text: str, words: list[str] | None = None) -> str:
    """ "hi" for Devanagari and for Hindi written in Latin letters (Hinglish), "en" otherwise."""
    if has_devanagari(text):
        return "hi"
    words = tokens(text) if words is None else words
    hindi = sum(word in HINGLISH_WORDS for word in words)
    english = sum(word in ENGLISH_WORDS for word in words)
    return "hi" if hindi and (hindi > english or hindi >= 2 and hindi * 2 >= english) else "en"


def _language_target(words: list[str]) -> str | None:
    target = None
    for word in words:
        if word in _HINDI_TARGETS:
            target = "hi"
        elif word in _ENGLISH_TARGETS:
            target = "en"
    return target


def intent_scores(words: list[str], index: CatalogueIndex | None = None) -> dict[str, float]:
    """Each intent's summed cue weights for a message's words."""
    matcher, cues = _cues(index)
    matches = matcher.message(words)
    scores = dict.fromkeys(CUES, 0.0)
    claimed: dict[int, str] = {}  # word position -> the intent whose phrase took it ("form bharna": apply)
    for intent, phrase, weight in cues:
        similarity, positions = phrase_find(matches, phrase)
        if not similarity or any(claimed.get(position, intent) != intent for position in positions):
            continue
        scores[intent] += weight * similarity
        if len(phrase) > 1:
            claimed.update(dict.fromkeys(positions, intent))
    return scores


def _number(text: str) -> int | None:
    match = re.fullmatch(r"\s*(?:no\.?|number|option|नंबर)?\s*(\d{1,3})\s*[.)]?\s*", text)
    return int(match.group(1)) if match else None


def _decide(scores: dict[str, float], *, words: list[str], service_kind: str | None, reference: str | None):
    if reference:
        scores["status"] += 2.0
    if service_kind == "info":
        scores["service_info"] += 1.0  # nothing to apply for: "ration shop kahan hai" asks where it is
    if service_kind:
        # A message about a service is not a greeting or a request for the menu ("hi, birth certificate").
        for intent in ("greeting", "menu", "help", "language"):
            scores[intent] = 0.0
    elif len(words) > 4:
        scores["language"] *= 0.5
    if any(score >= 1.0 for intent, score in scores.items() if intent != "greeting"):
        scores["greeting"] = min(scores["greeting"], 0.5)
    ranked = sorted(PRIORITY, key=lambda intent: (-scores[intent], PRIORITY.index(intent)))
    top, second = ranked[0], ranked[1]
    if service_kind and scores[top] < 1.0:
        # A service named with no word of what to do with it: what the service is for ("janm praman patra").
        intent = KIND_INTENT.get(service_kind, "service_info")
        intent = "service_info" if intent == "apply" else intent
        return intent, 0.6
    # Without a service or reference, one weak cue is not enough ("what is the capital of France").
    if scores[top] < (0.8 if top == "greeting" or reference or service_kind else 1.6):
        return "unknown", 0.0
    margin = (scores[top] - scores[second]) / scores[top]
    confidence = min(1.0, scores[top] / 2.5) * (0.5 + 0.5 * margin)
    if top in CONTROL_INTENTS and len(words) <= 3:
        confidence = max(confidence, 0.8)
    return top, round(confidence, 2)


def understand_offline(text: str, *, index: CatalogueIndex | None) -> Understanding:
    """What a message means, from the catalogue index (None: intents only) and the intent lexicon."""
    cleaned = clean(text)
    reference = reference_parse(cleaned)
    words = tokens(cleaned)
    language = language_detect(cleaned, words)
    candidates = index.candidates(words) if index is not None and words else []
    leading = index.choose(candidates, None) if index is not None else None
    scores = intent_scores(words, index) if words else dict.fromkeys(CUES, 0.0)
    intent, confidence = _decide(scores, words=words, service_kind=leading.kind if leading else None,
                                 reference=reference)  # fmt: skip
    service = index.choose(candidates, intent) if index is not None else None
    if service is None or intent not in SERVICE_INTENTS | {"human", "cancel"}:
        service = None if intent not in SERVICE_INTENTS | {"human", "cancel"} else service
    number = _number(cleaned) if not reference else None
    if number is not None and intent == "unknown":
        intent, confidence = "menu", 0.9  # a bare number picks a row of the list the citizen is looking at
    target = _language_target(words) if intent == "language" else None
    if target and len(words) <= 3:
        language = target  # "हिंदी" or "english" alone: the citizen tells us how to answer
    if service is not None:
        confidence = round(min(1.0, (confidence + min(service.score, 1.0)) / 2 + 0.1), 2)
    return Understanding(
        intent=intent,
        service=service.code if service else None,
        reference=reference,
        language=language,
        confidence=confidence,
        service_score=round(service.score, 2) if service else 0.0,
        number=number,
        target_language=target,
        text=cleaned.strip(),
        scores={name: round(score, 2) for name, score in scores.items() if score},
    )
