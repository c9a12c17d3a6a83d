"""A loopback fake of Meta's WhatsApp Cloud API (the Graph API endpoints govchat uses).

It is a real HTTP/1.1 server on 127.0.0.1 (``ThreadingHTTPServer`` on port 0, served from a daemon thread) built on
the standard library only, so any HTTP client (heyoo's bare ``requests.post``, a ``requests.Session``, httpx) can be
pointed at ``GraphFake.base_url`` instead of ``https://graph.facebook.com``.

Facts and limits follow /work/shared/docs/whatsapp-cloud-api.md (sections 2, 2.1, 3, 4 and the checklist in 6).

Routes (``{v}`` is ``v{N}.0`` with ``min_version <= N`` and, if set, ``N <= max_version``):

* ``POST /{v}/{phone_number_id}/messages``: send a message (validated like Meta) or mark one as read.
* ``POST /{v}/{phone_number_id}/media``: multipart upload (fields ``file``, ``type``, ``messaging_product``).
* ``GET /{v}/{media_id}`` (optional ``?phone_number_id=``): media metadata with a download URL valid for 5 minutes.
* ``DELETE /{v}/{media_id}``: delete media.
* ``GET /whatsapp_business/attachments/?mid=...&token=...``: the media bytes; needs the bearer token.

Error choices where Meta leaves room:

* Every validation failure of a message is HTTP 400, code 100, message ``"(#100) Invalid parameter"``, with what is
  wrong in ``error_data.details`` (Meta sometimes uses 131009 for interactive limits; this fake always uses 100).
* An unknown media id (GET or DELETE) is HTTP 400, code 100, ``type: "GraphMethodException"``, ``error_subcode: 33``,
  the Graph "Unsupported get request. Object with ID ... does not exist" error.
* A Graph API version below ``min_version`` is HTTP 400, code 2635 ("deprecated version").
* A missing or unknown bearer token is HTTP 401, code 190. Graph paths also accept ``?access_token=``, as Graph does;
  the attachment download accepts only the ``Authorization`` header.
* A malformed request (bad JSON, bad Content-Length, bad multipart) gets a 400; a bug inside the fake gets a 500
  with the traceback in ``error.message``. The server never dies on a request.
* String lengths are counted in Python characters (code points).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import secrets
import socket
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

__all__ = ["GraphFake", "RecordedRequest", "StoredMedia", "LATEST_KNOWN_VERSION"]

#: Newest Graph API version in the docs (v26.0, 2026-07-29); used in the "please update" message.
LATEST_KNOWN_VERSION = 26
#: "The URL is only valid for 5 minutes."
MEDIA_URL_TTL = 300.0
#: Customer service window.
CSW_SECONDS = 24 * 3600.0
#: Refuse request bodies above this (Meta's largest media is 100 MB).
MAX_BODY = 110 * 1024 * 1024

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
SUPPORTED_MEDIA = {
    "audio/aac": 16 * 1024 * 1024,
    "audio/amr": 16 * 1024 * 1024,
    "audio/mpeg": 16 * 1024 * 1024,
    "audio/mp4": 16 * 1024 * 1024,
    "audio/ogg": 16 * 1024 * 1024,
    "text/plain": 100 * 1024 * 1024,
    "application/pdf": 100 * 1024 * 1024,
    "application/msword": 100 * 1024 * 1024,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 * 1024 * 1024,
    "application/vnd.ms-excel": 100 * 1024 * 1024,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 * 1024 * 1024,
    "application/vnd.ms-powerpoint": 100 * 1024 * 1024,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 * 1024 * 1024,
    "image/jpeg": 5 * 1024 * 1024,
    "image/png": 5 * 1024 * 1024,
    "image/webp": 500 * 1024,
    "video/mp4": 16 * 1024 * 1024,
    "video/3gpp": 16 * 1024 * 1024,
}

#: Default (title, details) for injected error codes (doc section 2.1 and Meta's error-code pages).
KNOWN_ERRORS: dict[int, tuple[str, str]] = {
    0: ("AuthException", "We were unable to authenticate the app user."),
    1: ("API Unknown", "Invalid request or possible server error."),
    2: ("API Service", "Temporary due to downtime or due to being overloaded."),
    4: ("API Too Many Calls", "The app has reached its API call rate limit."),
    10: ("Permission Denied", "Permission is either not granted or has been removed."),
    100: ("Invalid parameter", "The request included invalid or unsupported parameters."),
    190: ("Access token has expired", "Your access token has expired."),
    368: (
        "Temporarily blocked for policies violations",
        "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a "
        "platform policy.",
    ),
    80007: ("Rate limit issues", "The WhatsApp Business Account has reached its rate limit."),
    130429: (
        "Rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number in a short "
        "period of time",
    ),
    131000: ("Something went wrong", "Message failed to send due to an unknown error."),
    131016: ("Service unavailable", "A service is temporarily unavailable."),
    131026: (
        "Message undeliverable",
        "Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone "
        "number; the recipient has not accepted the new Terms of Service; the recipient is using an old "
        "WhatsApp version.",
    ),
    131030: (
        "Recipient phone number not in allowed list",
        "Add recipient phone number to recipient list and try again.",
    ),
    131031: ("Account has been locked", "The WhatsApp Business Account has been restricted or disabled."),
    131042: ("Business eligibility payment issue", "There was an error related to your payment method."),
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    ),
    131048: (
        "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be sent from this phone "
        "number.",
    ),
    131049: (
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
    ),
    131050: ("User stopped marketing messages", "The user has stopped marketing messages from this business."),
    131051: ("Unsupported message type", "Message type is not currently supported."),
    131053: ("Media upload error", "Unable to upload the media used in the message."),
    131056: (
        "(Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number to the same "
        "phone number in a short period of time.",
    ),
    131057: ("Account in maintenance mode", "Business Account is in maintenance mode."),
    131062: ("BSUID recipient not supported", "This message cannot be sent to a business-scoped user ID."),
    132000: (
        "Number of parameters does not match the expected number of params",
        "The number of variable parameter values does not match the number of variables in the template.",
    ),
    132001: ("Template name does not exist in the translation", "The template does not exist in this language."),
    132005: ("Translated text too long", "Translated text is too long."),
    132007: ("Template Format Character Policy Violated", "Template content violates a WhatsApp policy."),
    132012: ("Parameter format does not match format in the created template", "Parameter format mismatch."),
    132015: ("Template is Paused", "Template is paused due to low quality."),
    132016: ("Template is Disabled", "Template has been paused too many times due to low quality."),
}


def _default_http_status(code: int) -> int:
    """Meta: most errors are HTTP 400; 190 and 0 are 401; 10 is 403 (doc section 2.1)."""
    return {0: 401, 190: 401, 10: 403}.get(code, 400)


@dataclass
class RecordedRequest:
    """One request the fake received (every request, including rejected ones)."""

    method: str
    path: str  # without the query string
    query: dict[str, str]  # first value of each parameter
    headers: dict[str, str]  # lower-cased names
    body: bytes
    json: Any  # parsed JSON body, or None if the body was empty or not JSON
    timestamp: float  # time.monotonic() when the request had been read
    phone_number_id: str | None  # from the path (messages/media) or ?phone_number_id=
    connection_id: int  # 1-based number of the TCP connection that carried it
    status: int | None = None  # HTTP status of the fake's answer (None while in flight)


@dataclass
class StoredMedia:
    media_id: str
    content: bytes
    mime_type: str
    sha256: str  # what GET /{media_id} reports (may be deliberately wrong)
    file_size: int  # what GET /{media_id} reports (may be deliberately wrong)
    phone_number_id: str | None = None
    filename: str | None = None


@dataclass
class _Failure:
    code: int
    http_status: int
    title: str
    details: str


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


class _Invalid(Exception):
    """A message parameter violates Meta's rules; becomes 400 / code 100 with the text as details."""


class _BadRequest(Exception):
    """Framing of the HTTP request is broken; answer 400 and close the connection."""


# --------------------------------------------------------------------------------------------------------------------
# Helpers


def _fbtrace_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(17)).decode().rstrip("=")[:23]


def _json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, json.dumps(payload, ensure_ascii=False).encode(), headers=headers or {})


def _error_reply(
    http_status: int,
    code: int,
    message: str,
    *,
    details: str | None = None,
    type_: str = "OAuthException",
    subcode: int | None = None,
    user_title: str | None = None,
    user_msg: str | None = None,
) -> _Reply:
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if user_title:
        error["error_user_title"] = user_title
    if user_msg:
        error["error_user_msg"] = user_msg
    error["fbtrace_id"] = _fbtrace_id()
    headers = {}
    if http_status == 401:
        headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{message}"'
    return _json_reply(http_status, {"error": error}, headers)


def _invalid_reply(details: str) -> _Reply:
    return _error_reply(400, 100, "(#100) Invalid parameter", details=details)


def _auth_reply() -> _Reply:
    return _error_reply(401, 190, "Invalid OAuth access token - Cannot parse access token")


def _no_object_reply(method: str, object_id: str) -> _Reply:
    return _error_reply(
        400,
        100,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation. Please read the Graph API documentation at "
        "https://developers.facebook.com/docs/graph-api",
        type_="GraphMethodException",
        subcode=33,
    )


def _failure_reply(f: _Failure) -> _Reply:
    default_title, default_details = KNOWN_ERRORS.get(f.code, ("Error", "The request failed."))
    title = f.title or default_title
    details = f.details or default_details
    return _error_reply(
        f.http_status,
        f.code,
        f"(#{f.code}) {title}",
        details=details,
        user_title=f.title or None,
        user_msg=(f.details or None) if f.title else None,
    )


def _html_reply(status: int) -> _Reply:
    reason = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out", 500: "Internal Server Error"}
    text = f"{status} {reason.get(status, 'Error')}"
    body = (
        f"<html>\r\n<head><title>{text}</title></head>\r\n<body>\r\n<center><h1>{text}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return _Reply(status, body.encode(), content_type="text/html")


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _wamid(recipient: str) -> str:
    """A wamid shaped like Meta's outbound ones: base64 of a thrift-ish blob with the recipient and a hex id."""
    ident = (re.sub(r"\D", "", recipient) or recipient).encode()
    blob = (
        b"\x1c\x18"
        + _varint(len(ident))
        + ident
        + b"\x15\x02\x00\x11\x18\x12"
        + secrets.token_hex(9).upper().encode()
        + b"\x00"
    )
    return "wamid." + base64.b64encode(blob).decode()


def _recipient_key(value: str) -> str:
    """Phone numbers compare by digits ("+1 650-555" == "1650555"); anything else (a BSUID) compares as is."""
    if re.fullmatch(r"[+\d\s().\-]+", value) and re.search(r"\d", value):
        return re.sub(r"\D", "", value)
    return value


def _parse_multipart(body: bytes, content_type: str) -> dict[str, tuple[bytes, str | None, str | None]]:
    """Return {field name: (bytes, filename, part content type)}; raise _Invalid on anything malformed."""
    header = Message()
    header["content-type"] = content_type
    if header.get_content_type() != "multipart/form-data":
        raise _Invalid(f"Uploads must be multipart/form-data (got Content-Type {content_type or 'none'!r}).")
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise _Invalid("multipart/form-data body has no boundary parameter.")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise _Invalid("Malformed multipart/form-data body (missing closing boundary).")
    fields: dict[str, tuple[bytes, str | None, str | None]] = {}
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise _Invalid("Malformed multipart/form-data body (bad part framing).")
        head, sep, content = chunk[2:-2].partition(b"\r\n\r\n")
        if not sep:
            # A part with no headers at all.
            if chunk[2:].startswith(b"\r\n"):
                head, content = b"", chunk[4:-2]
            else:
                raise _Invalid("Malformed multipart/form-data part (no blank line after headers).")
        part = Message()
        for line in head.decode("latin-1").split("\r\n"):
            if not line:
                continue
            name, colon, value = line.partition(":")
            if not colon:
                raise _Invalid(f"Malformed multipart/form-data part header {line!r}.")
            part[name.strip()] = value.strip()
        field_name = part.get_param("name", header="content-disposition")
        if not isinstance(field_name, str):
            raise _Invalid("multipart/form-data part without a name in Content-Disposition.")
        filename = part.get_param("filename", header="content-disposition")
        fields[field_name] = (
            content,
            filename if isinstance(filename, str) else None,
            part.get("content-type"),
        )
    return fields


# --------------------------------------------------------------------------------------------------------------------
# Message validation (raises _Invalid with a Meta-style "details" string)


def _key(path: str, key: str) -> str:
    return f"{path}['{key}']" if path else key


def _obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(f"Param {path} must be a JSON object.")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid(f"Param {path} must be a JSON array.")
    return value


def _text(d: dict[str, Any], key: str, path: str, *, required: bool = True, max_len: int | None = None) -> str | None:
    """A string field; when present (or required) it must be 1..max_len characters."""
    p = _key(path, key)
    value = d.get(key)
    if value is None:
        if required:
            raise _Invalid(f"The parameter {p} is required.")
        return None
    if not isinstance(value, str):
        raise _Invalid(f"Param {p} must be a string.")
    if not value:
        raise _Invalid(f"Param {p} must not be empty.")
    if max_len is not None and len(value) > max_len:
        raise _Invalid(f"Param {p} must be at most {max_len} characters long (got {len(value)}).")
    return value


def _http_url(value: str, path: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Invalid(f"Param {path} must be a valid http(s) URL (got {value!r}).")


def _validate_footer(i: dict[str, Any]) -> None:
    if "footer" in i:
        footer = _obj(i["footer"], "interactive['footer']")
        _text(footer, "text", "interactive['footer']", max_len=60)


def _validate_body(i: dict[str, Any], *, required: bool, max_len: int) -> None:
    if "body" not in i:
        if required:
            raise _Invalid("The parameter interactive['body'] is required.")
        return
    body = _obj(i["body"], "interactive['body']")
    _text(body, "text", "interactive['body']", max_len=max_len)


def _validate_header(i: dict[str, Any], allowed: tuple[str, ...]) -> None:
    if "header" not in i:
        return
    header = _obj(i["header"], "interactive['header']")
    htype = _text(header, "type", "interactive['header']")
    if htype not in allowed:
        raise _Invalid(f"Param interactive['header']['type'] must be one of {', '.join(allowed)} (got {htype!r}).")
    if htype == "text":
        _text(header, "text", "interactive['header']", max_len=60)
    else:
        _validate_media_object(header.get(htype), f"interactive['header']['{htype}']", htype, allow_caption=False)


def _validate_media_object(value: Any, path: str, kind: str, *, allow_caption: bool = True) -> None:
    if value is None:
        raise _Invalid(f"The parameter {path} is required.")
    m = _obj(value, path)
    has_id, has_link = m.get("id") is not None, m.get("link") is not None
    if has_id == has_link:
        raise _Invalid(f"Exactly one of {path}['id'] or {path}['link'] must be set.")
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
        raise _Invalid("The parameter interactive['action'] is required.")
    action = _obj(i["action"], "interactive['action']")
    if "buttons" not in action:
        raise _Invalid("The parameter interactive['action']['buttons'] is required.")
    buttons = _list(action["buttons"], "interactive['action']['buttons']")
    if not 1 <= len(buttons) <= 3:
        raise _Invalid(f"Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3 (got {len(buttons)}).")
    titles: set[str] = set()
    for n, raw in enumerate(buttons):
        path = f"interactive['action']['buttons'][{n}]"
        button = _obj(raw, path)
        if button.get("type") != "reply":
            raise _Invalid(f"Param {path}['type'] must be 'reply' (got {button.get('type')!r}).")
        reply = _obj(button.get("reply"), f"{path}['reply']")
        _text(reply, "id", f"{path}['reply']", max_len=256)
        title = reply.get("title")
        if isinstance(title, str) and len(title) > 20:
            raise _Invalid(
                f"Button title length invalid. Min length: 1, Max length: 20 "
                f"({path}['reply']['title'] has {len(title)} characters)."
            )
        title = _text(reply, "title", f"{path}['reply']", max_len=20)
        if title in titles:
            raise _Invalid(f"Button titles must be unique within a message (duplicate title {title!r}).")
        titles.add(title or "")


def _validate_list(i: dict[str, Any]) -> None:
    _validate_header(i, ("text",))
    _validate_body(i, required=True, max_len=4096)
    _validate_footer(i)
    if "action" not in i:
        raise _Invalid("The parameter interactive['action'] is required.")
    action = _obj(i["action"], "interactive['action']")
    _text(action, "button", "interactive['action']", max_len=20)
    if "sections" not in action:
        raise _Invalid("The parameter interactive['action']['sections'] is required.")
    sections = _list(action["sections"], "interactive['action']['sections']")
    if not 1 <= len(sections) <= 10:
        raise _Invalid(
            f"Invalid sections count. Min allowed sections: 1, Max allowed sections: 10 (got {len(sections)})."
        )
    total = sum(len(s["rows"]) for s in sections if isinstance(s, dict) and isinstance(s.get("rows"), list))
    if total > 10:
        raise _Invalid(f"Total row count exceed max allowed count: 10 (got {total}).")
    row_ids: set[str] = set()
    for n, raw in enumerate(sections):
        path = f"interactive['action']['sections'][{n}]"
        section = _obj(raw, path)
        _text(section, "title", path, required=len(sections) > 1, max_len=24)
        if "rows" not in section:
            raise _Invalid(f"The parameter {path}['rows'] is required.")
        rows = _list(section["rows"], f"{path}['rows']")
        if not rows:
            raise _Invalid(f"Param {path}['rows'] must contain at least 1 row.")
        for r, raw_row in enumerate(rows):
            rpath = f"{path}['rows'][{r}]"
            row = _obj(raw_row, rpath)
            row_id = _text(row, "id", rpath, max_len=200)
            if row_id in row_ids:
                raise _Invalid(f"Row ids must be unique within a message (duplicate id {row_id!r}).")
            row_ids.add(row_id or "")
            _text(row, "title", rpath, max_len=24)
            _text(row, "description", rpath, required=False, max_len=72)
    if total < 1:
        raise _Invalid("Total row count must be at least 1.")


def _validate_cta_url(i: dict[str, Any]) -> None:
    _validate_header(i, ("text", "image", "video", "document"))
    _validate_body(i, required=True, max_len=1024)
    _validate_footer(i)
    action = _obj(i.get("action"), "interactive['action']")
    if action.get("name") != "cta_url":
        raise _Invalid(f"Param interactive['action']['name'] must be 'cta_url' (got {action.get('name')!r}).")
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
        raise _Invalid(f"Param interactive['type'] must be one of {', '.join(INTERACTIVE_TYPES)} (got {itype!r}).")


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
                    raise _Invalid(f"The parameter {path}['index'] is required.")
            if "parameters" in component:
                for p, param in enumerate(_list(component["parameters"], f"{path}['parameters']")):
                    _text(_obj(param, f"{path}['parameters'][{p}]"), "type", f"{path}['parameters'][{p}]")


def _validate_location(value: Any) -> None:
    loc = _obj(value, "location")
    for key, limit in (("latitude", 90.0), ("longitude", 180.0)):
        raw = loc.get(key)
        if raw is None:
            raise _Invalid(f"The parameter location['{key}'] is required.")
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise _Invalid(f"Param location['{key}'] must be a number (got {raw!r}).") from None
        if not -limit <= number <= limit:
            raise _Invalid(f"Param location['{key}'] must be between -{limit:g} and {limit:g} (got {raw!r}).")
    _text(loc, "name", "location", required=False)
    _text(loc, "address", "location", required=False)


def _validate_contacts(value: Any) -> None:
    contacts = _list(value, "contacts")
    if not contacts:
        raise _Invalid("Param contacts must contain at least 1 contact.")
    for n, raw in enumerate(contacts):
        contact = _obj(raw, f"contacts[{n}]")
        name = _obj(contact.get("name"), f"contacts[{n}]['name']")
        _text(name, "formatted_name", f"contacts[{n}]['name']")


def _validate_reaction(value: Any) -> None:
    reaction = _obj(value, "reaction")
    _text(reaction, "message_id", "reaction")
    emoji = reaction.get("emoji")
    if "emoji" not in reaction or not isinstance(emoji, str):  # "" removes a reaction
        raise _Invalid("Param reaction['emoji'] must be a string (empty to remove the reaction).")


def _validate_message(body: Any) -> tuple[str, str, str]:
    """Validate a send body; return (recipient field, recipient value, message type)."""
    if not isinstance(body, dict):
        raise _Invalid("The request body must be a JSON object.")
    product = body.get("messaging_product")
    if product is None:
        raise _Invalid("The parameter messaging_product is required.")
    if product != "whatsapp":
        raise _Invalid(f"Param messaging_product must be 'whatsapp' (got {product!r}).")

    has_to, has_recipient = body.get("to") is not None, body.get("recipient") is not None
    if has_to and has_recipient:
        raise _Invalid("Only one of the parameters to and recipient may be set.")
    if not has_to and not has_recipient:
        raise _Invalid("The parameter to is required (or recipient, for a business-scoped user ID).")
    if has_to:
        to = _text(body, "to", "") or ""
        if not re.fullmatch(r"[+\d\s().\-]+", to) or not re.search(r"\d", to):
            raise _Invalid(f"Param to must be a phone number (got {to!r}).")
        recipient_field, recipient = "to", to
    else:
        recipient = _text(body, "recipient", "", max_len=256) or ""
        if not re.fullmatch(r"[A-Za-z0-9._\-]+", recipient):
            raise _Invalid(f"Param recipient must be a business-scoped user ID (got {recipient!r}).")
        recipient_field = "recipient"

    if body.get("recipient_type") is not None and body["recipient_type"] not in ("individual", "group"):
        raise _Invalid(f"Param recipient_type must be 'individual' (got {body['recipient_type']!r}).")
    if "context" in body:
        context = _obj(body["context"], "context")
        _text(context, "message_id", "context")
    _text(body, "biz_opaque_callback_data", "", required=False, max_len=512)

    mtype = body.get("type", "text")  # Meta: "If omitted, defaults to text."
    if mtype not in MESSAGE_TYPES:
        raise _Invalid(f"Param type must be one of {', '.join(MESSAGE_TYPES)} (got {mtype!r}).")
    if body.get(mtype) is None:
        raise _Invalid(f"The parameter {mtype} is required for a message of type {mtype}.")
    payload = body[mtype]
    if mtype == "text":
        text = _obj(payload, "text")
        _text(text, "body", "text", max_len=4096)
        if "preview_url" in text and not isinstance(text["preview_url"], bool):
            raise _Invalid("Param text['preview_url'] must be a boolean.")
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


def _validate_read(body: dict[str, Any]) -> None:
    if body.get("messaging_product") != "whatsapp":
        raise _Invalid(f"Param messaging_product must be 'whatsapp' (got {body.get('messaging_product')!r}).")
    _text(body, "message_id", "")
    if "typing_indicator" in body:
        indicator = _obj(body["typing_indicator"], "typing_indicator")
        if indicator.get("type") != "text":
            raise _Invalid(f"Param typing_indicator['type'] must be 'text' (got {indicator.get('type')!r}).")


# --------------------------------------------------------------------------------------------------------------------
# HTTP plumbing


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (timeouts, stop()) are normal here; anything else is printed as usual.
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.1"  # so even a garbage request line gets a status line with its 400
    server_version = "GraphFake/1.0"
    sys_version = ""
    timeout = 60  # idle keep-alive connections end after a minute
    disable_nagle_algorithm = True  # headers and body are separate writes; avoid the 40 ms delayed-ACK stall
    fake: GraphFake  # set on the per-server subclass

    def setup(self) -> None:
        super().setup()
        self.connection_id = self.fake._connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.fake._connection_closed(self.connection)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        encoding = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in encoding:
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                if not line.endswith(b"\n"):
                    raise _BadRequest("Truncated chunked body.")
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise _BadRequest(f"Bad chunk size line {line!r}.") from None
                if size == 0:
                    while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise _BadRequest("Request body too large.")
                data = self.rfile.read(size)
                if len(data) != size or self.rfile.read(2) != b"\r\n":
                    raise _BadRequest("Truncated chunked body.")
                chunks.append(data)
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return b""
        try:
            length = int(raw_length)
        except ValueError:
            raise _BadRequest(f"Bad Content-Length {raw_length!r}.") from None
        if length < 0 or length > MAX_BODY:
            raise _BadRequest(f"Bad Content-Length {raw_length!r}.")
        data = self.rfile.read(length)
        if len(data) != length:
            raise _BadRequest("Request body shorter than Content-Length.")
        return data

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except _BadRequest as exc:
            self.close_connection = True
            self._send(_invalid_reply(str(exc)))
            return
        except OSError:
            self.close_connection = True
            return
        record = self.fake._record(self, body)
        try:
            reply = self.fake._dispatch(record, self.headers)
        except Exception:  # a bug in the fake: answer, do not die
            reply = _error_reply(500, 1, "GraphFake internal error: " + traceback.format_exc(limit=5))
        record.status = reply.status
        if not self.fake._wait_delay():
            self.close_connection = True  # the fake is stopping
            return
        self._send(reply)

    def _send(self, reply: _Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("x-fb-trace-id", _fbtrace_id())
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


# --------------------------------------------------------------------------------------------------------------------
# The fake


class GraphFake:
    """Loopback fake of the WhatsApp Cloud API. See the module docstring for routes and error choices.

    All public methods are thread-safe. Typical use::

        with GraphFake() as fake:
            headers = {"Authorization": "Bearer test-token"}
            requests.post(f"{fake.base_url}/v23.0/123/messages", json=..., headers=headers)
            assert fake.sent_messages("123")
    """

    def __init__(
        self,
        tokens: set[str] | None = None,
        *,
        min_version: int = 23,
        max_version: int | None = None,
        phone_number_ids: set[str] | None = None,
        enforce_csw: bool = False,
    ) -> None:
        """
        tokens: accepted bearer tokens (default {"test-token"}); a mutable set, edit it to rotate tokens.
        min_version / max_version: accepted Graph API versions v{N}.0 (max None = no upper bound). Set both to the
            configured version to catch version drift.
        phone_number_ids: if given, sends/uploads to any other phone number id get Graph's "object does not exist".
        enforce_csw: if True, non-template messages to a user without an open 24-hour customer service window
            (see open_window) fail with 131047.
        """
        self.tokens: set[str] = set(tokens) if tokens is not None else {"test-token"}
        self.min_version = min_version
        self.max_version = max_version
        self.phone_number_ids = set(phone_number_ids) if phone_number_ids is not None else None
        self.enforce_csw = enforce_csw

        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connections_opened = 0

        self._requests: list[RecordedRequest] = []
        self._accepted: list[tuple[str, float, dict[str, Any], str]] = []  # (phone id, monotonic, body, wamid)
        self._reads: list[tuple[str, str]] = []  # (phone id, message id)
        self._fail_queue: deque[_Failure] = deque()
        self._fail_recipients: dict[str, _Failure] = {}
        self._html_queue: deque[int] = deque()
        self._delay = 0.0
        self._media: dict[str, StoredMedia] = {}
        self._url_tokens: dict[str, tuple[str, float]] = {}  # token -> (media id, fake-clock issue time)
        self._windows: dict[tuple[str | None, str], float] = {}  # (phone id or None, user) -> fake-clock time
        self._clock_offset = 0.0

    # -- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> GraphFake:
        """Start serving on 127.0.0.1 on a free port. Returns self."""
        if self._server is not None:
            raise RuntimeError("GraphFake is already running")
        self._stopping.clear()
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="GraphFake", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop every open connection (idempotent)."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> GraphFake:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """E.g. "http://127.0.0.1:54321" (no trailing slash, no version)."""
        if self._server is None:
            raise RuntimeError("GraphFake is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- fault injection -----------------------------------------------------------------------------------------

    def fail_next(
        self, code: int, *, times: int = 1, http_status: int | None = None, title: str = "", details: str = ""
    ) -> None:
        """The next `times` valid message sends get Meta's error shape with `code`.

        http_status defaults to Meta's for the code (401 for 0 and 190, 403 for 10, else 400). title/details default
        to Meta's wording for known codes; when `title` is given it is also sent as error_user_title (and details as
        error_user_msg). Mark-as-read calls, uploads and media calls are not affected.
        """
        failure = self._failure(code, http_status, title, details)
        with self._lock:
            self._fail_queue.extend([failure] * times)

    def fail_recipient(
        self, to: str, code: int, *, http_status: int | None = None, title: str = "", details: str = ""
    ) -> None:
        """Every valid send to `to` (phone number, compared by digits, or BSUID) fails with `code` until
        clear_failures()."""
        failure = self._failure(code, http_status, title, details)
        with self._lock:
            self._fail_recipients[_recipient_key(to)] = failure

    def html_error_next(self, status: int = 502, times: int = 1) -> None:
        """The next `times` requests (of any kind) get an nginx-style HTML error page, as a proxy would send."""
        with self._lock:
            self._html_queue.extend([status] * times)

    def clear_failures(self) -> None:
        """Forget fail_next, fail_recipient and html_error_next (not delay)."""
        with self._lock:
            self._fail_queue.clear()
            self._fail_recipients.clear()
            self._html_queue.clear()

    def delay(self, seconds: float) -> None:
        """Every response waits `seconds` first (0 turns it off). stop() cuts a pending wait short."""
        with self._lock:
            self._delay = max(0.0, float(seconds))

    # -- customer service window (optional, see enforce_csw) -----------------------------------------------------

    def open_window(self, user: str, *, phone_number_id: str | None = None) -> None:
        """Record an inbound message from `user` now (on the fake clock): opens a 24-hour window for
        `phone_number_id` (None: for every business number)."""
        with self._lock:
            self._windows[(phone_number_id, _recipient_key(user))] = self._now()

    def advance(self, seconds: float) -> None:
        """Move the fake clock forward: closes customer service windows and expires media URLs (5 minutes).
        RecordedRequest timestamps and max_rate use the real monotonic clock and are not affected."""
        with self._lock:
            self._clock_offset += seconds

    # -- media ---------------------------------------------------------------------------------------------------

    def add_media(
        self,
        media_id: str,
        content: bytes,
        mime_type: str,
        *,
        sha256: str | None = None,
        file_size: int | None = None,
        filename: str | None = None,
    ) -> None:
        """Register media for GET /{version}/{media_id}; wrong sha256/file_size simulate corruption."""
        with self._lock:
            self._media[media_id] = StoredMedia(
                media_id=media_id,
                content=bytes(content),
                mime_type=mime_type,
                sha256=sha256 if sha256 is not None else hashlib.sha256(content).hexdigest(),
                file_size=file_size if file_size is not None else len(content),
                filename=filename,
            )

    def get_media(self, media_id: str) -> StoredMedia | None:
        """Registered or uploaded media (None if unknown or deleted)."""
        with self._lock:
            return self._media.get(media_id)

    # -- inspection ----------------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received, oldest first."""
        with self._lock:
            return list(self._requests)

    def sent_messages(self, phone_number_id: str | None = None) -> list[dict[str, Any]]:
        """Bodies of accepted message sends (not mark-as-read), oldest first (deep copies)."""
        with self._lock:
            return [copy.deepcopy(body) for pn, _, body, _ in self._accepted if phone_number_id in (None, pn)]

    def sent_wamids(self, phone_number_id: str | None = None) -> list[str]:
        """The wamids returned for accepted sends, in the order of sent_messages()."""
        with self._lock:
            return [wamid for pn, _, _, wamid in self._accepted if phone_number_id in (None, pn)]

    def read_receipts(self, phone_number_id: str | None = None) -> list[str]:
        """Message ids marked as read (status "read" bodies), oldest first."""
        with self._lock:
            return [mid for pn, mid in self._reads if phone_number_id in (None, pn)]

    def max_rate(self, phone_number_id: str | None, window: float = 1.0) -> float:
        """Highest number of accepted sends for the number (None: all numbers) within any sliding window of
        `window` seconds (half-open, real monotonic clock), divided by `window`."""
        if window <= 0:
            raise ValueError("window must be positive")
        with self._lock:
            times = sorted(t for pn, t, _, _ in self._accepted if phone_number_id in (None, pn))
        best = start = 0
        for end, t in enumerate(times):
            while t - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best / window

    @property
    def connections_opened(self) -> int:
        """How many TCP connections were accepted since start (reset() does not reset it)."""
        with self._lock:
            return self._connections_opened

    def reset(self) -> None:
        """Forget recorded requests, sends and read receipts, all injected failures and the delay.
        Keeps tokens, media, customer service windows and connections_opened."""
        with self._lock:
            self._requests.clear()
            self._accepted.clear()
            self._reads.clear()
            self._fail_queue.clear()
            self._fail_recipients.clear()
            self._html_queue.clear()
            self._delay = 0.0

    # -- internals -----------------------------------------------------------------------------------------------

    def _failure(self, code: int, http_status: int | None, title: str, details: str) -> _Failure:
        return _Failure(code, http_status if http_status is not None else _default_http_status(code), title, details)

    def _now(self) -> float:
        return time.monotonic() + self._clock_offset

    def _connection_opened(self, sock: socket.socket) -> int:
        with self._lock:
            self._connections.add(sock)
            self._connections_opened += 1
            return self._connections_opened

    def _connection_closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.discard(sock)

    def _wait_delay(self) -> bool:
        """Sleep for the configured delay; False if the fake is stopping."""
        with self._lock:
            seconds = self._delay
        if seconds > 0:
            self._stopping.wait(seconds)
        return not self._stopping.is_set()

    def _record(self, handler: _Handler, body: bytes) -> RecordedRequest:
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        path_match = re.fullmatch(r"/v\d+\.\d+/([^/]+)/(?:messages|media)/?", parts.path)
        parsed: Any = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        record = RecordedRequest(
            method=handler.command,
            path=parts.path,
            query=query,
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            json=parsed,
            timestamp=time.monotonic(),
            phone_number_id=path_match.group(1) if path_match else query.get("phone_number_id"),
            connection_id=handler.connection_id,
        )
        with self._lock:
            self._requests.append(record)
        return record

    def _token_ok(self, headers: Any, query: dict[str, str] | None) -> bool:
        auth = headers.get("Authorization") or ""
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() in ("bearer", "oauth") and token.strip() in self.tokens:
            return True
        return query is not None and query.get("access_token") in self.tokens

    def _dispatch(self, rec: RecordedRequest, headers: Any) -> _Reply:
        with self._lock:
            html_status = self._html_queue.popleft() if self._html_queue else None
        if html_status is not None:
            return _html_reply(html_status)

        segments = [s for s in rec.path.split("/") if s]
        if segments[:2] == ["whatsapp_business", "attachments"] and len(segments) == 2:
            return self._download(rec, headers)

        if not segments:
            return _error_reply(400, 100, "(#100) Requests must name a versioned path such as /v23.0/...")
        match = re.fullmatch(r"v(\d+)\.(\d+)", segments[0])
        if match is None:
            return _error_reply(
                400, 100, f"(#100) Unversioned or unknown path {rec.path!r}; this fake requires /v{{N}}.0/..."
            )
        version = int(match.group(1))
        latest = self.max_version or LATEST_KNOWN_VERSION
        if match.group(2) != "0" or (self.max_version is not None and version > self.max_version):
            return _error_reply(400, 100, f"(#100) Unknown Graph API version {segments[0]}; latest is v{latest}.0.")
        if version < self.min_version:
            return _error_reply(
                400,
                2635,
                f"(#2635) You are calling a deprecated version of the Graph API ({segments[0]}). "
                f"Please update to the latest version: v{latest}.0.",
            )
        if not self._token_ok(headers, rec.query):
            return _auth_reply()

        rest = segments[1:]
        if len(rest) == 2 and rest[1] in ("messages", "media"):
            rec.phone_number_id = rest[0]
            if rec.method != "POST":
                return _no_object_reply(rec.method, "/".join(rest))
            if self.phone_number_ids is not None and rest[0] not in self.phone_number_ids:
                return _no_object_reply(rec.method, rest[0])
            try:
                if rest[1] == "messages":
                    return self._messages(rec)
                return self._upload(rec, headers)
            except _Invalid as exc:
                return _invalid_reply(str(exc))
        if len(rest) == 1 and rec.method in ("GET", "DELETE"):
            return self._media_object(rec, rest[0])
        if len(rest) >= 2:
            return _error_reply(400, 2500, f"Unknown path components: /{'/'.join(rest[1:])}")
        return _no_object_reply(rec.method, rest[0] if rest else "")

    def _messages(self, rec: RecordedRequest) -> _Reply:
        if not rec.body:
            raise _Invalid("The request body is empty; expected a JSON object.")
        if rec.json is None:
            try:
                json.loads(rec.body)
            except ValueError as exc:
                raise _Invalid(f"The request body is not valid JSON: {exc}.") from None
        body = rec.json
        pnid = rec.phone_number_id or ""
        if isinstance(body, dict) and body.get("status") == "read":
            _validate_read(body)
            with self._lock:
                self._reads.append((pnid, body["message_id"]))
            return _json_reply(200, {"success": True})

        recipient_field, recipient, mtype = _validate_message(body)
        key = _recipient_key(recipient)
        with self._lock:
            failure = self._fail_queue.popleft() if self._fail_queue else self._fail_recipients.get(key)
            if failure is None and self.enforce_csw and mtype != "template":
                now = self._now()
                opened = [self._windows.get((pnid, key)), self._windows.get((None, key))]
                if not any(t is not None and now - t < CSW_SECONDS for t in opened):
                    failure = self._failure(131047, None, "", "")
            if failure is not None:
                return _failure_reply(failure)
            wamid = _wamid(recipient)
            self._accepted.append((pnid, rec.timestamp, copy.deepcopy(body), wamid))
        contact = {"input": recipient}
        if recipient_field == "to":
            contact["wa_id"] = re.sub(r"\D", "", recipient)
        else:
            contact["user_id"] = recipient
        return _json_reply(200, {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]})

    def _upload(self, rec: RecordedRequest, headers: Any) -> _Reply:
        fields = _parse_multipart(rec.body, headers.get("Content-Type") or "")
        product = fields.get("messaging_product", (b"", None, None))[0].decode("utf-8", "replace")
        if product != "whatsapp":
            raise _Invalid(f"Param messaging_product must be 'whatsapp' (got {product!r}).")
        if "file" not in fields:
            raise _Invalid("The parameter file is required.")
        content, filename, part_type = fields["file"]
        if "type" not in fields:
            raise _Invalid("The parameter type is required.")
        mime_type = fields["type"][0].decode("utf-8", "replace").strip() or (part_type or "")
        base_type = mime_type.split(";", 1)[0].strip().lower()
        if base_type not in SUPPORTED_MEDIA:
            raise _Invalid(
                f"Param file must be a file with one of the following types: {', '.join(SUPPORTED_MEDIA)}. "
                f"Received file of type '{mime_type}'."
            )
        if len(content) > SUPPORTED_MEDIA[base_type]:
            return _error_reply(
                400,
                131053,
                "(#131053) Media upload error",
                details=f"File of {len(content)} bytes exceeds the {SUPPORTED_MEDIA[base_type]}-byte limit for "
                f"{base_type}.",
            )
        media_id = str(secrets.randbelow(9 * 10**15) + 10**15)
        with self._lock:
            self._media[media_id] = StoredMedia(
                media_id=media_id,
                content=content,
                mime_type=mime_type,
                sha256=hashlib.sha256(content).hexdigest(),
                file_size=len(content),
                phone_number_id=rec.phone_number_id,
                filename=filename,
            )
        return _json_reply(200, {"id": media_id})

    def _media_object(self, rec: RecordedRequest, media_id: str) -> _Reply:
        with self._lock:
            media = self._media.get(media_id)
            if media is None:
                return _no_object_reply(rec.method, media_id)
            if rec.method == "DELETE":
                del self._media[media_id]
                return _json_reply(200, {"success": True})
            token = secrets.token_urlsafe(24)
            self._url_tokens[token] = (media_id, self._now())
        url = f"{self.base_url}/whatsapp_business/attachments/?mid={quote(media_id)}&token={token}"
        return _json_reply(
            200,
            {
                "messaging_product": "whatsapp",
                "url": url,
                "mime_type": media.mime_type,
                "sha256": media.sha256,
                "file_size": str(media.file_size),
                "id": media.media_id,
            },
        )

    def _download(self, rec: RecordedRequest, headers: Any) -> _Reply:
        if rec.method != "GET":
            return _no_object_reply(rec.method, "attachments")
        if not self._token_ok(headers, None):
            return _auth_reply()
        media_id, token = rec.query.get("mid", ""), rec.query.get("token", "")
        with self._lock:
            issued = self._url_tokens.get(token)
            media = self._media.get(media_id)
            now = self._now()
        if issued is None or issued[0] != media_id or media is None:
            return _Reply(404, b"Not Found: unknown or deleted media URL", content_type="text/plain")
        if now - issued[1] >= MEDIA_URL_TTL:
            return _Reply(404, b"Not Found: the media URL has expired (valid for 5 minutes)", content_type="text/plain")
        return _Reply(200, media.content, content_type=media.mime_type)
