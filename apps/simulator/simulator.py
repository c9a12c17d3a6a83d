"""The WhatsApp simulator: a citizen's phone for the embedded default, demos and tests.

What the citizen does (types, taps a reply button or a list row, sends a photo, a PDF, a voice note or a
location) becomes the webhook Meta would send: the same envelope, signed with the app secret over the exact
bytes and POSTed over HTTP to our own webhook, so every simulated message takes the real path. What the bot
sends is read back from the outbound Message rows (the outbox backend sends nothing), and the phone answers
with signed `delivered` and `read` status webhooks, as a real phone would. The browser never holds the app
secret: the page at /simulator/ and `manage.py chat` call these services.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import mimetypes
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import PurePath

import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.conversations.inbound import webhook_event_process
from apps.conversations.models import Citizen, Conversation, Message
from apps.core.exceptions import ApplicationError
from apps.departments.models import WhatsAppNumber
from apps.whatsapp.media import sniff
from apps.whatsapp.models import WebhookEvent

WABA_ID = "100000000000001"  # the simulated WhatsApp Business Account (entry[].id)
TIMEOUT = (2, 10)  # (connect, read) seconds for the POST to our own webhook
DELHI = {"latitude": 28.6129, "longitude": 77.2295, "name": "India Gate", "address": "Kartavya Path, New Delhi 110001"}
MEDIA_KINDS = {"image", "document", "audio"}
STATUS_KINDS = {"delivered", "read"}
FREE_SERVICE_PRICING = {
    "billable": False,
    "pricing_model": "PMP",
    "category": "service",
    "type": "free_customer_service",
}


class SimulatorError(ApplicationError):
    """The simulator could not do what was asked (bad input, or the webhook refused or did not answer)."""


@dataclass(frozen=True)
class Phone:
    """The simulated citizen: their WhatsApp number, profile name, and whether they show only a username.

    The BSUID is derived from the number, so the same person keeps the same BSUID whether or not they
    hide their number behind a username (Meta then sends `wa_id` as "").
    """

    wa_id: str
    name: str = ""
    username_only: bool = False

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{8,15}", self.wa_id):
            raise SimulatorError("Write the phone number as 8 to 15 digits with the country code, like 919876543210.")

    @property
    def user_id(self) -> str:
        return bsuid_for(self.wa_id)

    @property
    def sent_wa_id(self) -> str:
        return "" if self.username_only else self.wa_id


def bsuid_for(wa_id: str) -> str:
    """A stable business-scoped user id for a simulated number: "IN." and 20 digits."""
    digest = int(hashlib.sha256(f"govchat-simulator:{wa_id}".encode()).hexdigest(), 16)
    return f"IN.{digest % 10**20:020d}"


def wa_id_random() -> str:
    """A random Indian mobile number as WhatsApp writes it, like 919812345678."""
    return f"9198{secrets.randbelow(10**8):08d}"


def wamid_new() -> str:
    return f"wamid.SIM{uuid.uuid4().hex.upper()}"


def simulator_numbers() -> QuerySet[WhatsAppNumber]:
    """The department numbers a simulated citizen can write to: every active one."""
    return WhatsAppNumber.objects.filter(is_active=True, department__is_active=True).select_related("department")


def simulator_number_get(*, key: str) -> WhatsAppNumber:
    """An active number by its phone number ID or its display number (with or without "+")."""
    digits = re.sub(r"\D", "", key)
    number = simulator_numbers().filter(Q(phone_number_id=key.strip()) | Q(display_number=f"+{digits}")).first()
    if number is None:
        raise SimulatorError(f"No active WhatsApp number {key!r}; add one in the admin.")
    return number


def envelope(number: WhatsAppNumber, *, phone: Phone | None = None, messages: list[dict] | None = None,
             statuses: list[dict] | None = None) -> dict:  # fmt: skip
    """Meta's webhook envelope for one change on one number (doc §1.4)."""
    value: dict = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": number.display_number.lstrip("+"),
            "phone_number_id": number.phone_number_id,
        },
    }
    if messages:
        value["contacts"] = [{"profile": {"name": phone.name}, "wa_id": phone.sent_wa_id, "user_id": phone.user_id}]
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    change = {"value": value, "field": "messages"}
    return {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [change]}]}


def message_item(number: WhatsAppNumber, phone: Phone, kind: str, body: dict, *, context_wamid: str = "") -> dict:
    """One `messages[]` item from the citizen, with a fresh wamid and Meta's string timestamp."""
    item: dict = {"from": phone.sent_wa_id}
    if phone.username_only:
        item["from_user_id"] = phone.user_id
    if context_wamid:
        item["context"] = {"from": number.display_number.lstrip("+"), "id": context_wamid}
    item.update({"id": wamid_new(), "timestamp": str(int(time.time())), "type": kind, kind: body})
    return item


def webhook_post(payload: dict, *, base_url: str | None = None) -> None:
    """Sign the exact bytes with the app secret and POST them to our webhook, as Meta does; then process
    what it stored at once rather than wait for the worker's turn (processing is idempotent, so whichever
    of the two comes second finds nothing left to do), so the chat answers without lag."""
    secret = settings.WHATSAPP_APP_SECRET
    if not secret:
        raise SimulatorError("WHATSAPP_APP_SECRET is not set, so the webhook would refuse every POST.")
    body = json.dumps(payload).encode()  # ASCII with \\u escapes, as Meta sends it
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    url = (base_url or settings.SITE_URL).rstrip("/") + reverse("whatsapp:webhook")
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
    try:
        response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise SimulatorError(f"The webhook at {url} did not answer ({exc.__class__.__name__}).") from exc
    if response.status_code != 200:
        raise SimulatorError(f"The webhook at {url} answered {response.status_code}: {response.text[:200]}")
    event = WebhookEvent.objects.filter(body_sha256=hashlib.sha256(body).hexdigest()).first()
    if event is not None:
        webhook_event_process(event_id=event.pk)


def _deliver(number: WhatsAppNumber, phone: Phone, item: dict, base_url: str | None) -> Message:
    # The simulator speaks only for the citizens it made (their BSUID is its own), never for a real
    # citizen's number: where it is switched on in production, it must not write into their conversations.
    if Citizen.objects.filter(wa_id=phone.wa_id).exclude(user_id=phone.user_id).exists():
        raise SimulatorError("That number belongs to a citizen the simulator did not make; choose another.")
    webhook_post(envelope(number, phone=phone, messages=[item]), base_url=base_url)
    message = Message.objects.filter(wamid=item["id"]).first()
    if message is None:
        raise SimulatorError("The webhook accepted the message but stored nothing: is the number active?")
    return message


def simulator_text_send(*, number: WhatsAppNumber, phone: Phone, body: str, base_url: str | None = None) -> Message:
    """The citizen types a message."""
    if not body.strip():
        raise SimulatorError("Type a message first.")
    return _deliver(number, phone, message_item(number, phone, "text", {"body": body}), base_url)


def _options(message: Message) -> tuple[str, list[dict]]:
    """("button" or "list", the buttons or rows) of a bot message; ("", []) if it has none."""
    interactive = message.payload.get("interactive") or {}
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        return "button", [button["reply"] for button in action.get("buttons", []) if "reply" in button]
    if interactive.get("type") == "list":
        return "list", [row for section in action.get("sections", []) for row in section.get("rows", [])]
    return "", []


def conversation_find(*, number: WhatsAppNumber, phone: Phone) -> Conversation | None:
    """The simulated citizen's conversation with this number, found by the BSUID only the simulator gives
    (so the simulator never shows a real citizen's conversation)."""
    return Conversation.objects.filter(number=number, citizen__user_id=phone.user_id).select_related("citizen").first()


def simulator_reply_send(*, number: WhatsAppNumber, phone: Phone, message_id: int, reply_id: str,
                         base_url: str | None = None) -> Message:  # fmt: skip
    """The citizen taps a reply button or picks a list row of one of the bot's messages."""
    conversation = conversation_find(number=number, phone=phone)
    tapped = conversation and conversation.messages.filter(pk=message_id, direction=Message.Direction.OUTBOUND).first()
    if not tapped:
        raise SimulatorError("That message is not in this conversation.")
    if not tapped.wamid:
        raise SimulatorError("That message has not reached the phone yet.")
    kind, options = _options(tapped)
    option = next((option for option in options if option.get("id") == reply_id), None)
    if option is None:
        raise SimulatorError("That message has no such button or row.")
    sub = f"{kind}_reply"
    reply = {"id": option["id"], "title": option.get("title", "")}
    if kind == "list" and option.get("description"):
        reply["description"] = option["description"]
    item = message_item(number, phone, "interactive", {"type": sub, sub: reply}, context_wamid=tapped.wamid)
    return _deliver(number, phone, item, base_url)


def simulator_location_send(*, number: WhatsAppNumber, phone: Phone, latitude: float, longitude: float,
                            name: str = "", address: str = "", base_url: str | None = None) -> Message:  # fmt: skip
    """The citizen shares a location pin."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise SimulatorError("Those are not coordinates on Earth.")
    body: dict = {"latitude": latitude, "longitude": longitude}
    body.update({key: value for key, value in (("name", name), ("address", address)) if value})
    return _deliver(number, phone, message_item(number, phone, "location", body), base_url)


def media_kind_for(filename: str) -> str:
    """What WhatsApp would send a file as, by its name: image, audio (a voice note) or document."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in {".jpg", ".jpeg", ".png", ".webp"}:
        return "image"
    if suffix in {".ogg", ".opus", ".oga", ".mp3", ".m4a", ".amr"}:
        return "audio"
    return "document"


def _media_body(kind: str, content: bytes, filename: str, caption: str) -> dict:
    mime, _ = sniff(content)
    if mime == "application/octet-stream":
        mime = mimetypes.guess_type(filename)[0] or mime
    if kind == "image" and not mime.startswith("image/"):
        raise SimulatorError("That file is not a JPEG, PNG or WebP image.")
    if kind == "audio" and not mime.startswith("audio/"):
        raise SimulatorError("That file is not a voice note (OGG/Opus, MP3, M4A or AMR).")
    body: dict = {"mime_type": "audio/ogg; codecs=opus" if mime == "audio/ogg" else mime,
                  "sha256": base64.b64encode(hashlib.sha256(content).digest()).decode()}  # fmt: skip
    if kind == "document":
        body["filename"] = PurePath(filename).name[:240] or "document"
    if kind == "audio":
        body["voice"] = True
    elif caption:
        body["caption"] = caption
    return body


def simulator_media_send(*, number: WhatsAppNumber, phone: Phone, kind: str, content: bytes, filename: str,
                         caption: str = "", base_url: str | None = None) -> Message:  # fmt: skip
    """The citizen sends a photo, a document or a voice note.

    The file is kept as media "sim-<uuid>" under simulator/ in the default storage, and, once the webhook
    has stored the message, attached to it here: the outbox backend has no Graph API to download it from.
    """
    if kind not in MEDIA_KINDS:
        raise SimulatorError("Send an image, a document or a voice note.")
    if not content:
        raise SimulatorError("The file is empty.")
    if len(content) > settings.WHATSAPP_MEDIA_MAX_MB * 1024 * 1024:
        raise SimulatorError(f"WhatsApp media here is limited to {settings.WHATSAPP_MEDIA_MAX_MB} MB.")
    body = _media_body(kind, content, filename, caption)
    media_id = f"sim-{uuid.uuid4()}"
    default_storage.save(f"simulator/{media_id}", ContentFile(content))
    message = _deliver(number, phone, message_item(number, phone, kind, {**body, "id": media_id}), base_url)
    # The file reaches the message the way Meta's do: processing queues the media download, and the outbox
    # backend serves simulator/<media_id> back to it.
    return Message.objects.get(pk=message.pk)


def _status_item(message: Message, phone: Phone, status: str) -> dict:
    item = {"id": message.wamid, "status": status, "timestamp": str(int(time.time())), "recipient_id": phone.sent_wa_id}
    if phone.username_only:
        item["recipient_user_id"] = phone.user_id
    if status == "delivered":
        # Per-message pricing (since July 2025): replies inside the window are free, templates are not.
        if message.type == "template":
            item["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "utility", "type": "regular"}
        else:
            item["pricing"] = FREE_SERVICE_PRICING
    return item


def simulator_receipts_send(*, number: WhatsAppNumber, phone: Phone, status: str, message_ids: list[int] | None = None,
                            base_url: str | None = None) -> int:  # fmt: skip
    """The phone reports the bot's sent messages (all, or those given) delivered, or delivered and read.

    Returns how many messages it reported on; posts nothing when there is nothing to move forward.
    """
    if status not in STATUS_KINDS:
        raise SimulatorError("A phone reports messages delivered or read.")
    conversation = conversation_find(number=number, phone=phone)
    if conversation is None:
        return 0
    ranks = Message.RANKS
    waiting = conversation.messages.filter(
        direction=Message.Direction.OUTBOUND, wamid__isnull=False, status_rank__gte=ranks["sent"],
        status_rank__lt=ranks[status],
    ).exclude(status=Message.Status.FAILED)  # fmt: skip
    if message_ids is not None:
        waiting = waiting.filter(pk__in=message_ids)
    items = []
    for message in waiting:
        if message.status_rank < ranks["delivered"]:
            items.append(_status_item(message, phone, "delivered"))
        if status == "read":
            items.append(_status_item(message, phone, "read"))
    if items:
        webhook_post(envelope(number, statuses=items), base_url=base_url)
    return len({item["id"] for item in items})


def simulator_messages(*, number: WhatsAppNumber, phone: Phone, after_id: int = 0, limit: int = 200) -> list[Message]:
    """The conversation's messages both ways, oldest first: the last `limit`, or those after `after_id`."""
    conversation = conversation_find(number=number, phone=phone)
    if conversation is None:
        return []
    newest = conversation.messages.filter(pk__gt=after_id).order_by("-created_at", "-id")[:limit]
    return sorted(newest, key=lambda message: (message.created_at, message.pk))


def _outbound_display(payload: dict) -> dict:
    """What the phone shows of a bot message, from the body the gateway queued for Meta."""
    kind = payload.get("type", "")
    if kind == "text":
        return {"text": (payload.get("text") or {}).get("body", "")}
    if kind == "interactive":
        interactive = payload.get("interactive") or {}
        action = interactive.get("action") or {}
        shown = {
            "kind": interactive.get("type", ""),
            "header": (interactive.get("header") or {}).get("text", ""),
            "text": (interactive.get("body") or {}).get("text", ""),
            "footer": (interactive.get("footer") or {}).get("text", ""),
        }
        if shown["kind"] == "button":
            shown["buttons"] = [button["reply"] for button in action.get("buttons", []) if "reply" in button]
        elif shown["kind"] == "list":
            shown.update(button=action.get("button", ""), sections=action.get("sections", []))
        elif shown["kind"] == "cta_url":
            parameters = action.get("parameters") or {}
            shown.update(label=parameters.get("display_text", ""), url=parameters.get("url", ""))
        return shown
    if kind in {"document", "image"}:
        item = payload.get(kind) or {}
        return {key: item[key] for key in ("filename", "caption", "link") if key in item}
    if kind == "template":
        template = payload.get("template") or {}
        parameters = [
            parameter.get("text", "")
            for component in template.get("components", [])
            for parameter in component.get("parameters", [])
            if parameter.get("type") == "text"
        ]
        language = (template.get("language") or {}).get("code", "")
        return {"name": template.get("name", ""), "language": language, "parameters": parameters}
    return {}


def _inbound_display(message: Message) -> dict:
    """What the citizen's own phone shows of a message it sent, from the stored webhook item."""
    raw = message.payload.get(message.type) or {}
    if message.type == "location":
        return {key: raw[key] for key in ("latitude", "longitude", "name", "address") if key in raw}
    if message.type in MEDIA_KINDS | {"video", "sticker"}:
        shown = {key: raw[key] for key in ("filename", "caption", "voice") if key in raw}
        shown["mime_type"] = message.media_mime_type or raw.get("mime_type", "")
        shown["attached"] = bool(message.media_file)
        return shown
    if message.type == "interactive":
        reply = raw.get(raw.get("type", "")) or {}
        return {
            "kind": raw.get("type", ""),
            "title": reply.get("title", ""),
            "description": reply.get("description", ""),
        }
    return {}


def message_view(message: Message) -> dict:
    """One message as the simulator shows it (JSON-ready): who sent it, what it shows, its ticks and time."""
    outbound = message.direction == Message.Direction.OUTBOUND
    at = timezone.localtime(message.sent_at if not outbound and message.sent_at else message.created_at)
    return {
        "id": message.pk,
        "direction": message.direction,
        "type": message.type,
        "body": message.body,
        "display": _outbound_display(message.payload) if outbound else _inbound_display(message),
        "status": message.status,
        "wamid": message.wamid or "",
        "context_wamid": message.context_wamid,
        "reply_id": message.reply_id,
        "error": message.error_title,
        "time": at.isoformat(),
        "clock": at.strftime("%H:%M"),
    }
