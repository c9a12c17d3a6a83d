"""One turn of the conversation: the message being handled, what it means, and the bot's replies.

Replies go through the conversation's outbox (`apps.conversations.outbound`, purpose REPLY), rendered in
the language active for the turn; the conversation's row is already locked, so they skip that lock.
The ids of the buttons or rows last shown are kept in the state, so a citizen who types "2" picks the
second row. Reply ids carry everything needed to act on them ("svc:MCD-BIRTH"), so an old button tapped
later still does the right thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.utils import translation

from .. import outbound
from ..models import Citizen, Conversation, Message
from ..understanding import Understanding, llm_wanted, understand
from ..understanding.llm import llm_enabled
from .calls import outside_lock

TEXT_TYPES = {"text"}
TAP_TYPES = {"interactive", "button"}


@dataclass
class Turn:
    conversation: Conversation
    message: Message
    text_override: str | None = None  # a message typed before consent, handled after it
    sent: list[Message] = field(default_factory=list)
    failed: bool = False  # the bot did not understand this message (three in a row bring an officer)
    # Answers to a form's questions (names, addresses, dates) are read offline only: they are not
    # questions for the model, and they are personal data that need not leave the State's servers.
    offline: bool = False

    @property
    def citizen(self) -> Citizen:
        return self.conversation.citizen

    @property
    def language(self) -> str:
        return self.citizen.language or "en"

    @property
    def state(self) -> str:
        return self.conversation.state

    @property
    def data(self) -> dict:
        return self.conversation.state_data

    @property
    def is_text(self) -> bool:
        return self.text_override is not None or self.message.type in TEXT_TYPES or self.message.transcribed

    @property
    def reply_id(self) -> str:
        """The id of the button or row the citizen tapped ("" for typed messages)."""
        if self.text_override is not None or self.message.type not in TAP_TYPES or self.message.transcribed:
            return ""
        return self.message.reply_id

    @property
    def text(self) -> str:
        return self.text_override if self.text_override is not None else self.message.body

    @cached_property
    def understanding(self) -> Understanding:
        """What a typed message means (an empty "unknown" for taps and media)."""
        if not self.is_text or not self.text.strip():
            return Understanding(intent="unknown", language=self.language)
        text, conversation_id = self.text, self.conversation.pk
        offline = understand(text)
        if self.offline or not llm_wanted(offline) or not llm_enabled():
            return offline
        # The model is another system: asked with the conversation's lock let go (calls.py).
        return outside_lock(
            f"understand:{text}", lambda: understand(text, use_llm=True, conversation_id=conversation_id)
        )

    def go(self, state: str, **data) -> None:
        """Move the state machine; the engine saves it with the turn."""
        self.conversation.state = state
        self.conversation.state_data = data

    def language_set(self, language: str) -> None:
        Citizen.objects.filter(pk=self.citizen.pk).update(language=language)
        self.citizen.language = language
        translation.activate(language)  # the engine's override() restores the previous one afterwards

    # Sending. Lazy texts become strings here, in the turn's language.

    def say(self, *parts) -> None:
        body = "\n\n".join(str(part) for part in parts if part)
        self._keep(outbound.text(conversation=self.conversation, body=body, locked=True))

    def ask(self, body, options: list[tuple[str, object]]) -> None:
        """Reply buttons (at most 3)."""
        rendered = [(option_id, str(title)) for option_id, title in options]
        self._keep(outbound.buttons(conversation=self.conversation, body=str(body), options=rendered, locked=True))
        self.data["choices"] = [option_id for option_id, _ in options]

    def link(self, body, *, label, url: str) -> None:
        """A message with one button that opens a web page (a checkout link)."""
        self._keep(outbound.link_button(conversation=self.conversation, body=str(body), label=str(label), url=url,
                                        locked=True))  # fmt: skip
        self.data["choices"] = []

    def list(self, body, *, button, rows: list[outbound.Row], more_id: str, page: int = 1, section="") -> None:
        """A list, paged by the channel when longer than 10 rows."""
        message = outbound.menu(
            conversation=self.conversation, body=str(body), button=str(button), rows=rows, page=page,
            more_id=more_id, section_title=str(section), locked=True,
        )  # fmt: skip
        self._keep(message)
        if message is not None:
            self.data["choices"] = message.choices

    def _keep(self, message: Message | None) -> None:
        if message is not None:
            self.sent.append(message)
