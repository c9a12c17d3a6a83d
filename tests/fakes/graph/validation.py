"""Meta's rules for a message send and a mark-as-read, checked by the Graph fake.

A broken rule raises ``Invalid`` with a Meta-style ``error_data.details`` text; the fake answers it as HTTP
400, code 100. String lengths are counted in Python characters (code points).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

MESSAGE_TYPES = (
    "text",
    "interactive",
    "template",
    "image",
    "document",
    "audio",
    "video",
    "sticker",
    "location",
    "contacts",
    "reaction",
)
MEDIA_MESSAGE_TYPES = ("image", "document", "audio", "video", "sticker")
INTERACTIVE_TYPES = (
    "button",
    "list",
    "cta_url",
    "flow",
    "product",
    "product_list",
    "catalog_message",
    "location_request_message",
    "address_message",
    "call_permission_request",
)

#: Supported upload MIME types (doc section 3) and their size limits in bytes.


class Invalid(Exception):
    """A message parameter violates Meta's rules; becomes 400 / code 100 with the text as details."""


def recipient_key(value: str) -> str:
    """Phone numbers compare by digits ("+1 650-555" == "1650555"); anything else (a BSUID) compares as is."""
    if re.fullmatch(r"[+\d\s().\-]+", value) and re.search(r"\d", value):
        return re.sub(r"\D", "", value)
    return value


def _key(path: str, key: str) -> str:
    return f"{path}['{key}']" if path else key


def _obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"Param {path} must be a JSON object.")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise Invalid(f"Param {path} must be a JSON array.")
    return value


def _text(d: dict[str, Any], key: str, path: str, *, required: bool = True, max_len: int | None = None) -> str | None:
    """A string field; when present (or required) it must be 1..max_len characters."""
    p = _key(path, key)
    value = d.get(key)
    if value is None:
        if required:
            raise Invalid(f"The parameter {p} is required.")
        return None
    if not isinstance(value, str):
        raise Invalid(f"Param {p} must be a string.")
    if not value:
        raise Invalid(f"Param {p} must not be empty.")
    if max_len is not None and len(value) > max_len:
        raise Invalid(f"Param {p} must be at most {max_len} characters long (got {len(value)}).")
    return value


def _http_url(value: str, path: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(f"Param {path} must be a valid http(s) URL (got {value!r}).")


def _validate_footer(i: dict[str, Any]) -> None:
    if "footer" in i:
        footer = _obj(i["footer"], "interactive['footer']")
        _text(footer, "text", "interactive['footer']", max_len=60)


def _validate_body(i: dict[str, Any], *, required: bool, max_len: int) -> None:
    if "body" not in i:
        if required:
            raise Invalid("The parameter interactive['body'] is required.")
        return
    body = _obj(i["body"], "interactive['body']")
    _text(body, "text", "interactive['body']", max_len=max_len)


def _validate_header(i: dict[str, Any], allowed: tuple[str, ...]) -> None:
    if "header" not in i:
        return
    header = _obj(i["header"], "interactive['header']")
    htype = _text(header, "type", "interactive['header']")
    if htype not in allowed:
        raise Invalid(f"Param interactive['header']['type'] must be one of {', '.join(allowed)} (got {htype!r}).")
    if htype == "text":
        _text(header, "text", "interactive['header']", max_len=60)
    else:
        _validate_media_object(header.get(htype), f"interactive['header']['{htype}']", htype, allow_caption=False)


def _validate_media_object(value: Any, path: str, kind: str, *, allow_caption: bool = True) -> None:
    if value is None:
        raise Invalid(f"The parameter {path} is required.")
    m = _obj(value, path)
    has_id, has_link = m.get("id") is not None, m.get("link") is not None
    if has_id == has_link:
        raise Invalid(f"Exactly one of {path}['id'] or {path}['link'] must be set.")
    if has_id:
        _text(m, "id", path)
    else:
        _http_url(_text(m, "link", path) or "", _key(path, "link"))
    if allow_caption and kind in ("image", "video", "document"):
        _text(m, "caption", path, required=False, max_len=1024)
    if kind == "document":
        _text(m, "filename", path, required=False, max_len=240)


def _validate_buttons(i: dict[str, Any]) -> None:
    _validate_header(i, ("text", "image", "video", "document"))
    _validate_body(i, required=True, max_len=1024)
    _validate_footer(i)
    if "action" not in i:
        raise Invalid("The parameter interactive['action'] is required.")
    action = _obj(i["action"], "interactive['action']")
    if "buttons" not in action:
        raise Invalid("The parameter interactive['action']['buttons'] is required.")
    buttons = _list(action["buttons"], "interactive['action']['buttons']")
    if not 1 <= len(buttons) <= 3:
        raise Invalid(f"Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3 (got {len(buttons)}).")
    titles: set[str] = set()
    for n, raw in enumerate(buttons):
        path = f"interactive['action']['buttons'][{n}]"
        button = _obj(raw, path)
        if button.get("type") != "reply":
            raise Invalid(f"Param {path}['type'] must be 'reply' (got {button.get('type')!r}).")
        reply = _obj(button.get("reply"), f"{path}['reply']")
        _text(reply, "id", f"{path}['reply']", max_len=256)
        title = reply.get("title")
        if isinstance(title, str) and len(title) > 20:
            raise Invalid(
                f"Button title length invalid. Min length: 1, Max length: 20 "
                f"({path}['reply']['title'] has {len(title)} characters)."
            )
        title = _text(reply, "title", f"{path}['reply']", max_len=20)
        if title in titles:
            raise Invalid(f"Button titles must be unique within a message (duplicate title {title!r}).")
        titles.add(title or "")


def _validate_list(i: dict[str, Any]) -> None:
    _validate_header(i, ("text",))
    _validate_body(i, required=True, max_len=4096)
    _validate_footer(i)
    if "action" not in i:
        raise Invalid("The parameter interactive['action'] is required.")
    action = _obj(i["action"], "interactive['action']")
    _text(action, "button", "interactive['action']", max_len=20)
    if "sections" not in action:
        raise Invalid("The parameter interactive['action']['sections'] is required.")
    sections = _list(action["sections"], "interactive['action']['sections']")
    if not 1 <= len(sections) <= 10:
        raise Invalid(
            f"Invalid sections count. Min allowed sections: 1, Max allowed sections: 10 (got {len(sections)})."
        )
    total = sum(len(s["rows"]) for s in sections if isinstance(s, dict) and isinstance(s.get("rows"), list))
    if total > 10:
        raise Invalid(f"Total row count exceed max allowed count: 10 (got {total}).")
    row_ids: set[str] = set()
    for n, raw in enumerate(sections):
        path = f"interactive['action']['sections'][{n}]"
        section = _obj(raw, path)
        _text(section, "title", path, required=len(sections) > 1, max_len=24)
        if "rows" not in section:
            raise Invalid(f"The parameter {path}['rows'] is required.")
        rows = _list(section["rows"], f"{path}['rows']")
        if not rows:
            raise Invalid(f"Param {path}['rows'] must contain at least 1 row.")
        for r, raw_row in enumerate(rows):
            rpath = f"{path}['rows'][{r}]"
            row = _obj(raw_row, rpath)
            row_id = _text(row, "id", rpath, max_len=200)
            if row_id in row_ids:
                raise Invalid(f"Row ids must be unique within a message (duplicate id {row_id!r}).")
            row_ids.add(row_id or "")
            _text(row, "title", rpath, max_len=24)
            _text(row, "description", rpath, required=False, max_len=72)
    if total < 1:
        raise Invalid("Total row count must be at least 1.")


def _validate_cta_url(i: dict[str, Any]) -> None:
    _validate_header(i, ("text", "image", "video", "document"))
    _validate_body(i, required=True, max_len=1024)
    _validate_footer(i)
    action = _obj(i.get("action"), "interactive['action']")
    if action.get("name") != "cta_url":
        raise Invalid(f"Param interactive['action']['name'] must be 'cta_url' (got {action.get('name')!r}).")
    params = _obj(action.get("parameters"), "interactive['action']['parameters']")
    _text(params, "display_text", "interactive['action']['parameters']", max_len=20)
    url = _text(params, "url", "interactive['action']['parameters']")
    _http_url(url or "", "interactive['action']['parameters']['url']")


def _validate_interactive(value: Any) -> None:
    i = _obj(value, "interactive")
    itype = _text(i, "type", "interactive")
    if itype == "button":
        _validate_buttons(i)
    elif itype == "list":
        _validate_list(i)
    elif itype == "cta_url":
        _validate_cta_url(i)
    elif itype in INTERACTIVE_TYPES:
        # Accepted with a light check only (Flows, catalogue and request messages).
        _validate_header(i, ("text", "image", "video", "document"))
        _validate_body(i, required=False, max_len=4096)
        _validate_footer(i)
        _obj(i.get("action"), "interactive['action']")
    else:
        raise Invalid(f"Param interactive['type'] must be one of {', '.join(INTERACTIVE_TYPES)} (got {itype!r}).")


def _validate_template(value: Any) -> None:
    t = _obj(value, "template")
    _text(t, "name", "template", max_len=512)
    language = _obj(t.get("language"), "template['language']")
    _text(language, "code", "template['language']")
    if "components" in t:
        components = _list(t["components"], "template['components']")
        for n, raw in enumerate(components):
            path = f"template['components'][{n}]"
            component = _obj(raw, path)
            ctype = _text(component, "type", path)
            if ctype == "button":
                _text(component, "sub_type", path)
                if component.get("index") is None:
                    raise Invalid(f"The parameter {path}['index'] is required.")
            if "parameters" in component:
                for p, param in enumerate(_list(component["parameters"], f"{path}['parameters']")):
                    _text(_obj(param, f"{path}['parameters'][{p}]"), "type", f"{path}['parameters'][{p}]")


def _validate_location(value: Any) -> None:
    loc = _obj(value, "location")
    for key, limit in (("latitude", 90.0), ("longitude", 180.0)):
        raw = loc.get(key)
        if raw is None:
            raise Invalid(f"The parameter location['{key}'] is required.")
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise Invalid(f"Param location['{key}'] must be a number (got {raw!r}).") from None
        if not -limit <= number <= limit:
            raise Invalid(f"Param location['{key}'] must be between -{limit:g} and {limit:g} (got {raw!r}).")
    _text(loc, "name", "location", required=False)
    _text(loc, "address", "location", required=False)


def _validate_contacts(value: Any) -> None:
    contacts = _list(value, "contacts")
    if not contacts:
        raise Invalid("Param contacts must contain at least 1 contact.")
    for n, raw in enumerate(contacts):
        contact = _obj(raw, f"contacts[{n}]")
        name = _obj(contact.get("name"), f"contacts[{n}]['name']")
        _text(name, "formatted_name", f"contacts[{n}]['name']")


def _validate_reaction(value: Any) -> None:
    reaction = _obj(value, "reaction")
    _text(reaction, "message_id", "reaction")
    emoji = reaction.get("emoji")
    if "emoji" not in reaction or not isinstance(emoji, str):  # "" removes a reaction
        raise Invalid("Param reaction['emoji'] must be a string (empty to remove the reaction).")


def validate_message(body: Any) -> tuple[str, str, str]:
    """Validate a send body; return (recipient field, recipient value, message type)."""
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.")
    product = body.get("messaging_product")
    if product is None:
        raise Invalid("The parameter messaging_product is required.")
    if product != "whatsapp":
        raise Invalid(f"Param messaging_product must be 'whatsapp' (got {product!r}).")

    has_to, has_recipient = body.get("to") is not None, body.get("recipient") is not None
    if has_to and has_recipient:
        raise Invalid("Only one of the parameters to and recipient may be set.")
    if not has_to and not has_recipient:
        raise Invalid("The parameter to is required (or recipient, for a business-scoped user ID).")
    if has_to:
        to = _text(body, "to", "") or ""
        if not re.fullmatch(r"[+\d\s().\-]+", to) or not re.search(r"\d", to):
            raise Invalid(f"Param to must be a phone number (got {to!r}).")
        recipient_field, recipient = "to", to
    else:
        recipient = _text(body, "recipient", "", max_len=256) or ""
        if not re.fullmatch(r"[A-Za-z0-9._\-]+", recipient):
            raise Invalid(f"Param recipient must be a business-scoped user ID (got {recipient!r}).")
        recipient_field = "recipient"

    if body.get("recipient_type") is not None and body["recipient_type"] not in ("individual", "group"):
        raise Invalid(f"Param recipient_type must be 'individual' (got {body['recipient_type']!r}).")
    if "context" in body:
        context = _obj(body["context"], "context")
        _text(context, "message_id", "context")
    _text(body, "biz_opaque_callback_data", "", required=False, max_len=512)

    mtype = body.get("type", "text")  # Meta: "If omitted, defaults to text."
    if mtype not in MESSAGE_TYPES:
        raise Invalid(f"Param type must be one of {', '.join(MESSAGE_TYPES)} (got {mtype!r}).")
    if body.get(mtype) is None:
        raise Invalid(f"The parameter {mtype} is required for a message of type {mtype}.")
    payload = body[mtype]
    if mtype == "text":
        text = _obj(payload, "text")
        _text(text, "body", "text", max_len=4096)
        if "preview_url" in text and not isinstance(text["preview_url"], bool):
            raise Invalid("Param text['preview_url'] must be a boolean.")
    elif mtype == "interactive":
        _validate_interactive(payload)
    elif mtype == "template":
        _validate_template(payload)
    elif mtype in MEDIA_MESSAGE_TYPES:
        _validate_media_object(payload, mtype, mtype)
    elif mtype == "location":
        _validate_location(payload)
    elif mtype == "contacts":
        _validate_contacts(payload)
    elif mtype == "reaction":
        _validate_reaction(payload)
    return recipient_field, recipient, mtype


def validate_read(body: dict[str, Any]) -> None:
    if body.get("messaging_product") != "whatsapp":
        raise Invalid(f"Param messaging_product must be 'whatsapp' (got {body.get('messaging_product')!r}).")
    _text(body, "message_id", "")
    if "typing_indicator" in body:
        indicator = _obj(body["typing_indicator"], "typing_indicator")
        if indicator.get("type") != "text":
            raise Invalid(f"Param typing_indicator['type'] must be 'text' (got {indicator.get('type')!r}).")
