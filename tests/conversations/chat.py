"""A citizen's phone for the conversation tests: types, taps buttons and rows, and reads the bot's replies.

Every message is a signed webhook POST built with the simulator's own envelope (so it takes the real path:
webhook, filing, the processing task, the engine); replies are read back from the outbound rows.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from apps.conversations.models import Conversation, Message
from apps.departments.models import WhatsAppNumber
from apps.simulator.simulator import Phone, envelope, message_item


@dataclass
class Reply:
    """One bot message as the citizen sees it."""

    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (id, title)
    rows: list[tuple[str, str]] = field(default_factory=list)
    list_button: str = ""
    button: str = ""  # a link button's label (a checkout link)
    url: str = ""  # and where it goes
    document: str = ""  # a document sent by link (a receipt, a certificate)

    @property
    def titles(self) -> list[str]:
        return [title for _, title in self.buttons + self.rows]

    def id_of(self, title: str) -> str:
        for option_id, option_title in self.buttons + self.rows:
            if option_title == title:
                return option_id
        raise AssertionError(f"no {title!r} among {self.titles}")


def reply_of(message: Message) -> Reply:
    payload = message.payload
    if payload.get("type") == "text":
        return Reply(text=payload["text"]["body"])
    if payload.get("type") == "document":
        document = payload["document"]
        return Reply(text=document.get("caption", ""), document=document.get("link", ""))
    interactive = payload.get("interactive") or {}
    action = interactive.get("action") or {}
    reply = Reply(text=(interactive.get("body") or {}).get("text", ""))
    if interactive.get("type") == "button":
        reply.buttons = [(b["reply"]["id"], b["reply"]["title"]) for b in action["buttons"]]
    elif interactive.get("type") == "cta_url":
        reply.button, reply.url = action["parameters"]["display_text"], action["parameters"]["url"]
    elif interactive.get("type") == "list":
        reply.rows = [(row["id"], row["title"]) for section in action["sections"] for row in section["rows"]]
        reply.list_button = action["button"]
    return reply


@dataclass
class Chat:
    number: WhatsAppNumber
    post: object
    wa_id: str
    name: str = ""
    seen: int = 0

    @property
    def phone(self) -> Phone:
        return Phone(wa_id=self.wa_id, name=self.name)

    @property
    def conversation(self) -> Conversation:
        return Conversation.objects.select_related("citizen").get(citizen__wa_id=self.wa_id, number=self.number)

    def items_post(self, items: list[dict]) -> None:
        response = self.post(envelope(self.number, phone=self.phone, messages=items))
        assert response.status_code == 200

    def text_item(self, body: str, *, at: int | None = None) -> dict:
        item = message_item(self.number, self.phone, "text", {"body": body})
        if at is not None:
            item["timestamp"] = str(at)
        return item

    def send(self, body: str) -> list[Reply]:
        """Type a message; the bot's replies to it."""
        self.items_post([self.text_item(body)])
        return self.replies()

    def tap(self, title: str, reply: Reply | None = None) -> list[Reply]:
        """Tap a button or pick a row, by its title, on `reply` (default: the last interactive reply)."""
        reply = reply or self.last_interactive()
        option_id = reply.id_of(title)
        kind = "button_reply" if reply.buttons else "list_reply"
        item = message_item(self.number, self.phone, "interactive", {"type": kind, kind: {"id": option_id,
                                                                                          "title": title}})  # fmt: skip
        self.items_post([item])
        return self.replies()

    def tap_id(self, option_id: str, title: str = "") -> list[Reply]:
        """Tap a button by its id (one sent earlier, or a card's next step)."""
        item = message_item(self.number, self.phone, "interactive", {"type": "button_reply", "button_reply": {
            "id": option_id, "title": title or option_id}})  # fmt: skip
        self.items_post([item])
        return self.replies()

    def send_file(self, content: bytes, *, kind: str = "image", filename: str = "", caption: str = "") -> list[Reply]:
        """Send a photo or a document as WhatsApp does: the webhook carries a media id, and the file is
        fetched through the backend (the outbox backend serves the simulator's media, as in ./bin/run)."""
        media_id = f"sim-{uuid.uuid4()}"
        default_storage.save(f"simulator/{media_id}", ContentFile(content))
        body = {"id": media_id, "mime_type": "application/pdf" if kind == "document" else "image/jpeg",
                "sha256": hashlib.sha256(content).hexdigest()}  # fmt: skip
        if filename:
            body["filename"] = filename
        if caption:
            body["caption"] = caption
        self.items_post([message_item(self.number, self.phone, kind, body)])
        return self.replies()

    def last_interactive(self) -> Reply:
        outbound = Message.objects.filter(conversation__citizen__wa_id=self.wa_id, direction="out").order_by("-id")
        for message in outbound:
            reply = reply_of(message)
            if reply.buttons or reply.rows:
                return reply
        raise AssertionError("the bot has shown no buttons or lists")

    def replies(self) -> list[Reply]:
        """The bot's messages since the last call."""
        new = list(
            Message.objects.filter(conversation__citizen__wa_id=self.wa_id, direction="out", pk__gt=self.seen).order_by(
                "id"
            )
        )
        if new:
            self.seen = new[-1].pk
        return [reply_of(message) for message in new]

    def start(self, language: str = "English") -> list[Reply]:
        """First contact, the language and consent: the replies after agreeing (the main menu)."""
        self.send("hi")
        self.tap(language)
        return self.tap("I agree" if language == "English" else "मैं सहमत हूँ")


def now() -> int:
    return int(time.time())
