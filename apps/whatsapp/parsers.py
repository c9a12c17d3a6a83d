"""Meta webhook payloads -> typed updates. Every entry, change, message and status is read (Meta batches
up to 1000 updates in one POST; heyoo's parsers read only the first). Never raises on a dict: what it does
not understand is returned in `unknown` so the caller stores it and still answers 200.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apps.core.aadhaar import IDENTITY_KEYS, aadhaar_mask

MEDIA_TYPES = {"image", "document", "audio", "video", "sticker"}
MAX_CODE = 2**31 - 1


def payload_clean(value: Any, key: str = "") -> Any:
    """What we keep of a payload: no NUL characters or lone surrogates (PostgreSQL refuses them), and no
    Aadhaar number in full in anything a citizen typed."""
    if isinstance(value, str):
        text = value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
        return text if key in IDENTITY_KEYS else aadhaar_mask(text)
    if isinstance(value, dict):
        return {str(k): payload_clean(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [payload_clean(v, key) for v in value]
    return value


@dataclass(frozen=True)
class Contact:
    wa_id: str  # "" once a citizen adopts a username (2026)
    user_id: str  # the BSUID, scoped to our business portfolio
    name: str


@dataclass(frozen=True)
class InboundMessage:
    wamid: str
    phone_number_id: str
    type: str
    timestamp: datetime
    contact: Contact
    text: str = ""  # the human-readable gist: body, caption, button or row title, emoji, place name
    reply_id: str = ""  # the id we gave a button or list row, or a template button's payload
    context_wamid: str = ""  # the message of ours it replies to
    media: dict = field(default_factory=dict)  # id, mime_type, sha256, filename, voice
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StatusUpdate:
    wamid: str
    phone_number_id: str
    status: str
    timestamp: datetime
    recipient_id: str
    callback_data: str = ""
    error_code: int | None = None
    error_title: str = ""
    pricing_category: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeError:
    phone_number_id: str
    code: int | None
    title: str
    raw: dict = field(default_factory=dict)


@dataclass
class ParsedWebhook:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    errors: list[ChangeError] = field(default_factory=list)
    unknown: list[dict] = field(default_factory=list)  # changes or items we could not read
    phone_number_ids: set[str] = field(default_factory=set)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(tz=UTC)


def _first_error(errors: Any) -> tuple[int | None, str]:
    first = _dict(_list(errors)[0]) if _list(errors) else {}
    code = first.get("code")
    valid = isinstance(code, int) and not isinstance(code, bool) and 0 <= code <= MAX_CODE
    return (code if valid else None), _str(first.get("title") or first.get("message"))


def _gist(kind: str, message: dict) -> tuple[str, str, dict]:
    """(text, reply_id, media) of one message, by its type."""
    body = _dict(message.get(kind))
    if kind == "text":
        return _str(body.get("body")), "", {}
    if kind == "interactive":
        sub = _str(body.get("type"))
        reply = _dict(body.get(sub))
        if sub == "nfm_reply":
            try:
                answers = json.loads(_str(reply.get("response_json")) or "{}")
            except json.JSONDecodeError:
                answers = {}
            return _str(reply.get("body")), _str(_dict(answers).get("flow_token")), {"answers": answers}
        return _str(reply.get("title")), _str(reply.get("id")), {}
    if kind == "button":
        return _str(body.get("text")), _str(body.get("payload")), {}
    if kind in MEDIA_TYPES:
        media = {k: body[k] for k in ("id", "mime_type", "sha256", "filename", "voice", "animated") if k in body}
        return _str(body.get("caption")), "", media
    if kind == "location":
        return _str(body.get("name") or body.get("address")), "", {}
    if kind == "reaction":
        return _str(body.get("emoji")), _str(body.get("message_id")), {}
    if kind == "system":
        return _str(body.get("body")), "", {}
    if kind == "order":
        return _str(body.get("text")), "", {}
    if kind == "contacts":
        names = [_str(_dict(c.get("name")).get("formatted_name")) for c in _list(message.get("contacts"))]
        return ", ".join(n for n in names if n), "", {}
    return "", "", {}


def _contacts(value: dict) -> dict[str, Contact]:
    """Contacts keyed by both wa_id and user_id, so a message finds its sender by either."""
    found: dict[str, Contact] = {}
    for item in _list(value.get("contacts")):
        if not isinstance(item, dict):
            continue
        contact = Contact(
            _str(item.get("wa_id")), _str(item.get("user_id")), _str(_dict(item.get("profile")).get("name"))
        )
        for key in (contact.wa_id, contact.user_id):
            if key:
                found[key] = contact
    return found


def _message(item: dict, phone_number_id: str, contacts: dict[str, Contact]) -> InboundMessage:
    sender = _str(item.get("from"))
    user_id = _str(item.get("from_user_id") or item.get("user_id"))
    contact = contacts.get(sender) or contacts.get(user_id) or Contact(sender, user_id, "")
    kind = _str(item.get("type")) or "unknown"
    text, reply_id, media = _gist(kind, item)
    contact = Contact(contact.wa_id[:20], contact.user_id[:256], contact.name[:200])
    return InboundMessage(
        wamid=_str(item.get("id"))[:255],
        phone_number_id=phone_number_id,
        type=kind,
        timestamp=_timestamp(item.get("timestamp")),
        contact=contact,
        text=text,
        reply_id=reply_id,
        context_wamid=_str(_dict(item.get("context")).get("id")),
        media=media,
        raw=item,
    )


def _status(item: dict, phone_number_id: str) -> StatusUpdate:
    code, title = _first_error(item.get("errors"))
    return StatusUpdate(
        wamid=_str(item.get("id")),
        phone_number_id=phone_number_id,
        status=_str(item.get("status")),
        timestamp=_timestamp(item.get("timestamp")),
        recipient_id=_str(item.get("recipient_id") or item.get("recipient_user_id")),
        callback_data=_str(item.get("biz_opaque_callback_data")),
        error_code=code,
        error_title=title,
        pricing_category=_str(_dict(item.get("pricing")).get("category")),
        raw=item,
    )


def parse_webhook(payload: Any) -> ParsedWebhook:
    """Every update in one webhook POST, in the order Meta sent them."""
    parsed = ParsedWebhook()
    for entry in _list(_dict(payload).get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            value = _dict(change.get("value"))
            if change.get("field") != "messages" or not value:
                parsed.unknown.append(change)
                continue
            phone_number_id = _str(_dict(value.get("metadata")).get("phone_number_id"))
            parsed.phone_number_ids.add(phone_number_id)
            contacts = _contacts(value)
            for item in _list(value.get("messages")):
                message = _message(item, phone_number_id, contacts) if isinstance(item, dict) else None
                # A message must have an id and a sender: an empty identity would match the wrong citizen.
                if message and message.wamid and (message.contact.wa_id or message.contact.user_id):
                    parsed.messages.append(message)
                else:
                    parsed.unknown.append({"message": item})
            for item in _list(value.get("statuses")):
                if isinstance(item, dict) and _str(item.get("id")) and _str(item.get("status")):
                    parsed.statuses.append(_status(item, phone_number_id))
                else:
                    parsed.unknown.append({"status": item})
            for item in _list(value.get("errors")):
                code, title = _first_error([item])
                parsed.errors.append(ChangeError(phone_number_id, code, title, _dict(item)))
    return parsed


def update_keys(payload: Any) -> list[tuple[str, str]]:
    """(wamid, status) of every message and status a POST carries, in order and without repeats; the
    status is "" for a message. The webhook request stores these; `parse_webhook` reads the rest later.

    Only updates `parse_webhook` would accept are keyed: a message without an id or a sender, or a status
    without an id, stays in the raw event alone.
    """
    keys: dict[tuple[str, str], None] = {}
    for entry in _list(_dict(payload).get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            value = _dict(change.get("value"))
            if change.get("field") != "messages":
                continue
            for item in _list(value.get("messages")):
                if isinstance(item, dict) and (wamid := _str(item.get("id"))[:255]):
                    if _str(item.get("from")) or _str(item.get("from_user_id") or item.get("user_id")):
                        keys[(wamid, "")] = None
            for item in _list(value.get("statuses")):
                if isinstance(item, dict) and (wamid := _str(item.get("id"))) and (status := _str(item.get("status"))):
                    keys[(wamid[:255], status[:20])] = None
    return list(keys)
