"""The Graph fake's routes: messages, media uploads, media objects and their downloads."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from tests.fakes.base import RecordedRequest
from tests.fakes.graph.errors import (
    Failure,
    auth_reply,
    error_reply,
    failure_for,
    failure_reply,
    invalid_reply,
    no_object_reply,
)
from tests.fakes.graph.validation import Invalid, recipient_key, validate_message, validate_read
from tests.fakes.httpfake import MalformedRequest, Reply, json_reply, parse_multipart

#: Newest Graph API version in the docs (v26.0, 2026-07-29); used in the "please update" message.
LATEST_KNOWN_VERSION = 26
#: "The URL is only valid for 5 minutes."
MEDIA_URL_TTL = 300.0
#: Customer service window.
CSW_SECONDS = 24 * 3600.0

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


@dataclass
class GraphRequest(RecordedRequest):
    phone_number_id: str | None = None  # from the path (messages/media) or ?phone_number_id=


@dataclass
class StoredMedia:
    media_id: str
    content: bytes
    mime_type: str
    sha256: str  # what GET /{media_id} reports (may be deliberately wrong)
    file_size: int  # what GET /{media_id} reports (may be deliberately wrong)
    phone_number_id: str | None = None
    filename: str | None = None


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


def new_wamid(recipient: str) -> str:
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


class GraphRoutes:
    """What GraphFake answers; its state is set up in GraphFake.__init__."""

    tokens: set[str]
    min_version: int
    max_version: int | None
    phone_number_ids: set[str] | None
    enforce_csw: bool
    _lock: threading.RLock
    _accepted: list[tuple[str, float, dict[str, Any], str]]
    _reads: list[tuple[str, str]]
    _fail_queue: Any
    _fail_recipients: dict[str, Failure]
    _media: dict[str, StoredMedia]
    _url_tokens: dict[str, tuple[str, float]]
    _windows: dict[tuple[str | None, str], float]
    _clock_offset: float

    def _now(self) -> float:
        return time.monotonic() + self._clock_offset

    def _token_ok(self, headers: dict[str, str], query: dict[str, str] | None) -> bool:
        auth = headers.get("authorization") or ""
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() in ("bearer", "oauth") and token.strip() in self.tokens:
            return True
        return query is not None and query.get("access_token") in self.tokens

    def answer(self, rec: GraphRequest) -> Reply:
        segments = [s for s in rec.path.split("/") if s]
        if segments[:2] == ["whatsapp_business", "attachments"] and len(segments) == 2:
            return self._download(rec)

        if not segments:
            return error_reply(400, 100, "(#100) Requests must name a versioned path such as /v23.0/...")
        match = re.fullmatch(r"v(\d+)\.(\d+)", segments[0])
        if match is None:
            return error_reply(
                400, 100, f"(#100) Unversioned or unknown path {rec.path!r}; this fake requires /v{{N}}.0/..."
            )
        version = int(match.group(1))
        latest = self.max_version or LATEST_KNOWN_VERSION
        if match.group(2) != "0" or (self.max_version is not None and version > self.max_version):
            return error_reply(400, 100, f"(#100) Unknown Graph API version {segments[0]}; latest is v{latest}.0.")
        if version < self.min_version:
            return error_reply(
                400,
                2635,
                f"(#2635) You are calling a deprecated version of the Graph API ({segments[0]}). "
                f"Please update to the latest version: v{latest}.0.",
            )
        if not self._token_ok(rec.headers, rec.query):
            return auth_reply()

        rest = segments[1:]
        if len(rest) == 2 and rest[1] in ("messages", "media"):
            rec.phone_number_id = rest[0]
            if rec.method != "POST":
                return no_object_reply(rec.method, "/".join(rest))
            if self.phone_number_ids is not None and rest[0] not in self.phone_number_ids:
                return no_object_reply(rec.method, rest[0])
            try:
                if rest[1] == "messages":
                    return self._messages(rec)
                return self._upload(rec)
            except Invalid as exc:
                return invalid_reply(str(exc))
        if len(rest) == 1 and rec.method in ("GET", "DELETE"):
            return self._media_object(rec, rest[0])
        if len(rest) >= 2:
            return error_reply(400, 2500, f"Unknown path components: /{'/'.join(rest[1:])}")
        return no_object_reply(rec.method, rest[0] if rest else "")

    def _messages(self, rec: GraphRequest) -> Reply:
        if not rec.body:
            raise Invalid("The request body is empty; expected a JSON object.")
        if rec.json is None:
            try:
                json.loads(rec.body)
            except ValueError as exc:
                raise Invalid(f"The request body is not valid JSON: {exc}.") from None
        body = rec.json
        pnid = rec.phone_number_id or ""
        if isinstance(body, dict) and body.get("status") == "read":
            validate_read(body)
            with self._lock:
                self._reads.append((pnid, body["message_id"]))
            return json_reply(200, {"success": True})

        recipient_field, recipient, mtype = validate_message(body)
        key = recipient_key(recipient)
        with self._lock:
            failure = self._fail_queue.popleft() if self._fail_queue else self._fail_recipients.get(key)
            if failure is None and self.enforce_csw and mtype != "template":
                now = self._now()
                opened = [self._windows.get((pnid, key)), self._windows.get((None, key))]
                if not any(t is not None and now - t < CSW_SECONDS for t in opened):
                    failure = failure_for(131047)
            if failure is not None:
                return failure_reply(failure)
            wamid = new_wamid(recipient)
            self._accepted.append((pnid, rec.timestamp, copy.deepcopy(body), wamid))
        contact = {"input": recipient}
        if recipient_field == "to":
            contact["wa_id"] = re.sub(r"\D", "", recipient)
        else:
            contact["user_id"] = recipient
        return json_reply(200, {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]})

    def _upload(self, rec: GraphRequest) -> Reply:
        try:
            fields = parse_multipart(rec.body, rec.headers.get("content-type") or "")
        except MalformedRequest as exc:
            raise Invalid(str(exc)) from None
        product = fields.get("messaging_product", (b"", None, None))[0].decode("utf-8", "replace")
        if product != "whatsapp":
            raise Invalid(f"Param messaging_product must be 'whatsapp' (got {product!r}).")
        if "file" not in fields:
            raise Invalid("The parameter file is required.")
        content, filename, part_type = fields["file"]
        if "type" not in fields:
            raise Invalid("The parameter type is required.")
        mime_type = fields["type"][0].decode("utf-8", "replace").strip() or (part_type or "")
        base_type = mime_type.split(";", 1)[0].strip().lower()
        if base_type not in SUPPORTED_MEDIA:
            raise Invalid(
                f"Param file must be a file with one of the following types: {', '.join(SUPPORTED_MEDIA)}. "
                f"Received file of type '{mime_type}'."
            )
        if len(content) > SUPPORTED_MEDIA[base_type]:
            return error_reply(
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
        return json_reply(200, {"id": media_id})

    def _media_object(self, rec: GraphRequest, media_id: str) -> Reply:
        with self._lock:
            media = self._media.get(media_id)
            if media is None:
                return no_object_reply(rec.method, media_id)
            if rec.method == "DELETE":
                del self._media[media_id]
                return json_reply(200, {"success": True})
            token = secrets.token_urlsafe(24)
            self._url_tokens[token] = (media_id, self._now())
        url = f"{self.base_url}/whatsapp_business/attachments/?mid={quote(media_id)}&token={token}"
        return json_reply(
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

    def _download(self, rec: GraphRequest) -> Reply:
        if rec.method != "GET":
            return no_object_reply(rec.method, "attachments")
        if not self._token_ok(rec.headers, None):
            return auth_reply()
        media_id, token = rec.query.get("mid", ""), rec.query.get("token", "")
        with self._lock:
            issued = self._url_tokens.get(token)
            media = self._media.get(media_id)
            now = self._now()
        if issued is None or issued[0] != media_id or media is None:
            return Reply(404, b"Not Found: unknown or deleted media URL", content_type="text/plain")
        if now - issued[1] >= MEDIA_URL_TTL:
            return Reply(404, b"Not Found: the media URL has expired (valid for 5 minutes)", content_type="text/plain")
        return Reply(200, media.content, content_type=media.mime_type)
