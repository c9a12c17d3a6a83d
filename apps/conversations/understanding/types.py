from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Understanding:
    """What one citizen message means, as the conversation engine needs it.

    `intent` is one of lexicon.INTENTS; `service` a catalogue code or None; `reference` a canonical reference
    (DLA260001234) or None; `language` "en" or "hi" (Hinglish is "hi"). `confidence` runs from 0 to 1; the
    engine asks the citizen to choose from a list, or the model, when it is low. `number` is set when the
    message is a bare number ("2", "२"): a row of the list on screen. `target_language` is the language
    asked for by a `language` message. `source` says who understood it: "offline" or "llm".
    """

    intent: str
    service: str | None = None
    reference: str | None = None
    language: str = "en"
    confidence: float = 0.0
    service_score: float = 0.0
    number: int | None = None
    target_language: str | None = None
    text: str = ""
    source: str = "offline"
    scores: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict:
        """The four fields `manage.py understand` prints."""
        return {"intent": self.intent, "service": self.service, "reference": self.reference, "language": self.language}

    def as_dict(self) -> dict:
        return asdict(self)
