"""Understanding citizen messages in Hindi, English and Hinglish: offline by default, OpenAI when configured.

    from apps.conversations.understanding import understand
    understand("mujhe janm praman patra chahiye")
    # Understanding(intent="apply", service="MCD-BIRTH", reference=None, language="hi", ...)

`understand` reads the catalogue index (cached per process, rebuilt when services change) and, with
`use_llm=True` and OpenAI configured, asks the model about messages the offline understander is unsure of;
any failure of the model falls back to the offline answer.
"""

from __future__ import annotations

from .catalogue import CatalogueIndex, catalogue_index, catalogue_index_clear, catalogue_index_from_data
from .lexicon import INTENTS
from .offline import UNSURE, language_detect, understand_offline
from .references import reference_parse
from .types import Understanding

__all__ = [
    "llm_wanted",
    "INTENTS",
    "CatalogueIndex",
    "Understanding",
    "catalogue_index",
    "catalogue_index_clear",
    "catalogue_index_from_data",
    "language_detect",
    "reference_parse",
    "understand",
]


def understand(
    text: str, *, index: CatalogueIndex | None = None, use_llm: bool = False, llm_always: bool = False,
    conversation_id: int | None = None,
) -> Understanding:  # fmt: skip
    """What a citizen's message means. `index` defaults to the current catalogue's (one cheap query);
    `conversation_id` goes on the record of a model call."""
    index = catalogue_index() if index is None else index
    offline = understand_offline(text or "", index=index)
    if (use_llm or llm_always) and (llm_always or llm_wanted(offline)):
        from .llm import llm_enabled, understand_llm

        if llm_enabled() and (text or "").strip():
            return understand_llm(text, offline=offline, index=index, conversation_id=conversation_id)
    return offline


def llm_wanted(offline: Understanding) -> bool:
    """Whether the model is asked about a message the offline reader read so (unsure, or not at all)."""
    return offline.confidence < UNSURE or offline.intent == "unknown"
