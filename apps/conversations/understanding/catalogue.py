"""The catalogue as the understander sees it: each active service's names and synonyms, as phrases.

Everything comes from the database (name_en, name_hi, synonyms_en, synonyms_hi, the department's names, the
code), so a service an admin adds is understood as soon as it is active, with no code change.

The index is built once per process and rebuilt when the catalogue changes. The check is one cheap query per
message (counts and the latest `updated_at` of services and departments): it sees changes made by any process
(an admin saving in the web server while a Celery worker understands messages), which a `post_save` signal
would not, and it also sees bulk `update()`s of `is_active` through the count of active rows.
"""

from __future__ import annotations

import math
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q

from .matching import Matcher, phrase_words
from .text import tokens

# Words that say nothing about which service is meant.
STOPWORDS = set(
    """
    a an the of for in on to and or my your me i is are be with by at from please want need get apply
    ka ki ke ko se me mein mai main hai hain ho mera meri mere mujhe apna apni apne aur ya ek liye lie wala
    wali wale kya hoga
    """.split()
)
STOPWORDS |= set(tokens("का की के को से में है हैं और या एक लिए मेरा मेरी मेरे"))
KIND_INTENT = {
    "apply": "apply", "status": "status", "pay": "pay", "info": "service_info", "grievance": "grievance",
    "feedback": "feedback",
}  # fmt: skip
MIN_SERVICE_SCORE = 0.6
MIN_BASE_SCORE = 0.5
KIND_BONUS = 0.15
DEPARTMENT_BONUS = 0.1


@dataclass
class IndexedService:
    code: str
    kind: str
    department: str
    name_en: str
    name_hi: str
    phrases: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class ServiceMatch:
    code: str
    kind: str
    score: float
    weight: float  # how much of the message the best phrase explains, to break ties


class CatalogueIndex:
    """Phrases of every active service, their words weighted by rarity (a rare word names a service)."""

    def __init__(
        self,
        services: list[IndexedService],
        departments: dict[str, list[tuple[str, ...]]],
        *,
        generic: frozenset[str] = frozenset(),
    ):
        # `generic` words say what to do, not which service ("status", "kab", "bill"): a phrase counts only
        # when a word that is not generic matched, unless the whole phrase is generic ("complaint").
        self.generic = generic
        self.services = services
        self.departments = departments
        self.codes = {service.code for service in services}
        document_frequency: dict[str, int] = defaultdict(int)
        for service in services:
            for word in {word for phrase in service.phrases for word in phrase}:
                document_frequency[word] += 1
        total = max(len(services), 1)
        self.weights = {word: math.log(1 + total / df) for word, df in document_frequency.items()}
        department_words = {word for phrases in departments.values() for phrase in phrases for word in phrase}
        from .lexicon import ENGLISH_WORDS, HINGLISH_WORDS

        vocabulary = {*self.weights, *department_words}
        self.matcher = Matcher(vocabulary, known=(ENGLISH_WORDS | HINGLISH_WORDS) - vocabulary)

        self.phrases_with: dict[str, set[tuple[int, int]]] = defaultdict(set)
        for service_number, service in enumerate(services):
            for phrase_number, phrase in enumerate(service.phrases):
                for word in phrase:
                    self.phrases_with[word].add((service_number, phrase_number))

    def _phrase_score(self, similarity: dict[str, float], phrase: tuple[str, ...]) -> tuple[float, float]:
        total = got = 0.0
        specific, all_generic = False, True
        for word in phrase:
            weight = self.weights.get(word, 1.0)
            total += weight
            got += similarity.get(word, 0.0) * weight
            if word not in self.generic:
                all_generic = False
                specific = specific or word in similarity
        if not specific and not (all_generic and got >= total * 0.8):
            return 0.0, 0.0
        return (got / total if total else 0.0), got

    def candidates(self, words: list[str]) -> list[ServiceMatch]:
        """Services the message may name, best first (scores before any intent is known)."""
        words = [word for word in words if word not in STOPWORDS]
        if not words:
            return []
        matches = self.matcher.message(words)
        similarity: dict[str, float] = {}
        for found in matches:
            for word, value in found.items():
                similarity[word] = max(similarity.get(word, 0.0), value)
        named_departments = {
            code
            for code, phrases in self.departments.items()
            if any(all(word in similarity for word in phrase) for phrase in phrases)
        }
        best: dict[int, tuple[float, float]] = {}
        for word in similarity:
            for service_number, phrase_number in self.phrases_with.get(word, ()):
                phrase = self.services[service_number].phrases[phrase_number]
                best[service_number] = max(best.get(service_number, (0.0, 0.0)), self._phrase_score(similarity, phrase))
        found = []
        for service_number, (score, weight) in best.items():
            if score <= 0:
                continue
            service = self.services[service_number]
            score += DEPARTMENT_BONUS if service.department in named_departments else 0.0
            found.append(ServiceMatch(service.code, service.kind, score, weight))
        return sorted(found, key=lambda match: (match.score, match.weight), reverse=True)

    @staticmethod
    def choose(candidates: list[ServiceMatch], intent: str | None) -> ServiceMatch | None:
        """The service meant, preferring one of the kind the intent asks for ("pension kab aayegi": status)."""
        best, best_key = None, None
        for match in candidates:
            score = match.score + (KIND_BONUS if intent and KIND_INTENT.get(match.kind) == intent else 0.0)
            # More of the message explained wins over the kind bonus: "ladli yojana" is the Ladli scheme.
            key = (score + 0.05 * min(match.weight, 10), match.weight)
            if match.score >= MIN_BASE_SCORE and score >= MIN_SERVICE_SCORE:
                if best_key is None or key > best_key:
                    best, best_key = match, key
        return best


def _phrases(*texts: str) -> list[tuple[str, ...]]:
    phrases = []
    for text in texts:
        for part in re.split(r"[,;\n]", text or ""):
            words = tuple(word for word in phrase_words(part) if word not in STOPWORDS)
            if words and words not in phrases:
                phrases.append(words)
    return phrases


def catalogue_index_from_data(services: list[dict], departments: list[dict]) -> CatalogueIndex:
    """An index from services and departments in the catalogue file's shape (code, kind, name_en, ...)."""
    from .offline import cue_words

    indexed = []
    for row in services:
        texts = [row.get(key) or "" for key in ("name_en", "name_hi", "synonyms_en", "synonyms_hi")]
        indexed.append(
            IndexedService(row["code"], row["kind"], row["department"], row.get("name_en") or "",
                           row.get("name_hi") or "", _phrases(*texts, row["code"].replace("-", " ")))
        )  # fmt: skip
    phrases = {row["code"]: _phrases(row.get("name_en"), row.get("name_hi"), row["code"]) for row in departments}
    return CatalogueIndex(indexed, phrases, generic=cue_words())


def catalogue_index_build() -> CatalogueIndex:
    """Read the active catalogue from the database into an index."""
    from apps.departments.models import Department
    from apps.services.selectors import service_list

    fields = ("code", "kind", "department__code", "name_en", "name_hi", "synonyms_en", "synonyms_hi")
    services = [
        {**row, "department": row.pop("department__code")} for row in service_list().values(*fields)
    ]  # fmt: skip
    departments = list(Department.objects.filter(is_active=True).values("code", "name_en", "name_hi"))
    return catalogue_index_from_data(services, departments)


def catalogue_version() -> tuple:
    """A key that changes whenever a service or department is added, edited, switched on or off, or deleted."""
    from apps.departments.models import Department
    from apps.services.models import Service

    key = []
    for model in (Service, Department):
        row = model.objects.aggregate(
            n=Count("id"), active=Count("id", filter=Q(is_active=True)), latest=Max("updated_at")
        )
        key.extend([row["n"], row["active"], row["latest"]])
    return tuple(key)


_cache: dict[str, object] = {}
_lock = threading.Lock()


def catalogue_index() -> CatalogueIndex:
    """The index for the catalogue as it is now; rebuilt only when `catalogue_version` changes."""
    version = catalogue_version()
    with _lock:
        if _cache.get("version") != version or "index" not in _cache:
            _cache["index"] = catalogue_index_build()
            _cache["version"] = version
        return _cache["index"]


def catalogue_index_clear() -> None:
    with _lock:
        _cache.clear()
