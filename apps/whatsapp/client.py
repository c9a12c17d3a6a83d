"""The only module that talks to Meta's Graph API.

Two backends, chosen by WHATSAPP_BACKEND:
- `heyoo` (production, as the design asks). heyoo 0.1.2 calls the module-level `requests.post/get` with no
  timeout, no connection reuse and a hard-coded, expired Graph API version. So heyoo's `requests` is
  replaced by a pooled session that always passes (connect, read) timeouts, and each heyoo client's URLs
  are rebuilt from WHATSAPP_GRAPH_BASE_URL and WHATSAPP_API_VERSION. Messages go through heyoo's
  `send_custom_json` (our own validated bodies, with biz_opaque_callback_data); media metadata and
  downloads use the same session directly, because heyoo's versions drop the sha256 and size and write
  error bodies to disk as if they were files.
- `outbox` (the embedded default and the simulator): nothing leaves the machine; the Message rows are
  the record of what would have been sent.
"""

from __future__ import annotations

import hashlib
import json as _json_module
import logging
import os
import re
import threading
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import heyoo
import requests
import urllib3
from django.conf import settings
from django.core.files.storage import default_storage
from requests.adapters import HTTPAdapter

from apps.departments.models import WhatsAppNumber
from apps.departments.services import whatsapp_number_token_get

logger = logging.getLogger(__name__)

# Meta's codes worth trying again later (doc §2.1); everything else fails at once.
RETRYABLE_CODES = {130429, 131056, 131000, 131016, 131057, 1, 2, 4, 80007}


class GraphError(Exception):
    """Meta refused or could not be reached. `code` is Meta's error code (None for transport errors)."""

    def __init__(self, message: str, *, code: int | None = None, details: str = "", http_status: int | None = None,
                 reached_meta: bool = True) -> None:  # fmt: skip
        super().__init__(message)
        self.code, self.details, self.http_status = code, details, http_status
        # False when the request surely never arrived (connection refused): then a retry cannot duplicate.
        self.reached_meta = reached_meta

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE_CODES or (self.code is None and not self.reached_meta)

    @classmethod
    def from_body(cls, body: dict, http_status: int | None = None) -> GraphError:
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        details = (
            str((error.get("error_data") or {}).get("details", "")) if isinstance(error.get("error_data"), dict) else ""
        )
        code = error.get("code") if isinstance(error.get("code"), int) else None
        return cls(str(error.get("message", "Graph API error")), code=code, details=details, http_status=http_status)


class MediaTooLarge(GraphError):
    """Over WHATSAPP_MEDIA_MAX_MB: trying again will not make it smaller."""


class JsonResponse:
    """What heyoo and we read of an answer to a JSON POST: `status_code`, `headers`, `text`, `json()`."""

    def __init__(self, status_code: int, content: bytes, headers) -> None:
        self.status_code, self.content, self.headers = status_code, content, headers

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self):
        try:
            return _json_module.loads(self.content)
        except ValueError as exc:  # as requests does, so callers catch one kind
            raise requests.JSONDecodeError(str(exc), self.text, 0) from exc


class _PooledRequests:
    """Stands in for the `requests` module inside heyoo: pooled connections per process, always a timeout.

    JSON POSTs (every message and read receipt) go straight through urllib3, the pool under requests:
    requests' own layers (settings merging, hooks, cookies, adapters) cost more than the rest of a send,
    about 1.5 ms of CPU each on a 2-core machine. Media downloads keep requests, for its streaming.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._pool: tuple[int, urllib3.PoolManager] | None = None

    def pool(self) -> urllib3.PoolManager:
        # One per process (Celery forks its pool after import); urllib3's pools are thread-safe.
        if self._pool is None or self._pool[0] != os.getpid():
            proxy = requests.utils.get_environ_proxies(settings.WHATSAPP_GRAPH_BASE_URL).get(
                urlsplit(settings.WHATSAPP_GRAPH_BASE_URL).scheme
            )
            options = {"num_pools": 8, "maxsize": 32, "retries": False, "ca_certs": _ca_bundle()}
            self._pool = (
                os.getpid(),
                urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options),
            )
        return self._pool[1]

    def _post_json(self, url: str, *, json: dict, headers: dict | None = None) -> JsonResponse:
        timeout = urllib3.Timeout(connect=settings.WHATSAPP_CONNECT_TIMEOUT, read=settings.WHATSAPP_READ_TIMEOUT)
        try:
            response = self.pool().request(
                "POST", url, body=_json_module.dumps(json).encode(), timeout=timeout,
                headers={**(headers or {}), "Content-Type": "application/json"},
            )  # fmt: skip
        except urllib3.exceptions.ConnectTimeoutError as exc:
            raise GraphError("Graph API did not accept the connection in time", reached_meta=False) from exc
        except urllib3.exceptions.NewConnectionError as exc:  # refused or unreachable: it surely never arrived
            raise GraphError("Graph API connection failed: NewConnectionError", reached_meta=False) from exc
        except urllib3.exceptions.TimeoutError as exc:
            # A read timeout means Meta may have acted on the request: the caller must not resend blindly.
            raise GraphError("Graph API did not answer in time", reached_meta=True) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise GraphError(f"Graph API connection failed: {exc.__class__.__name__}", reached_meta=True) from exc
        return JsonResponse(response.status, response.data, response.headers)

    def session(self) -> requests.Session:
        # Per process (Celery forks its pool after import) and per thread.
        if getattr(self._local, "pid", None) != os.getpid():
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=8, pool_maxsize=32)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            # requests reads the proxy variables (and netrc) again on every call, a millisecond each; read
            # them once here instead, for the Graph API's host, so an HTTPS_PROXY in a state data centre
            # (and its NO_PROXY) still applies.
            session.proxies = requests.utils.get_environ_proxies(settings.WHATSAPP_GRAPH_BASE_URL)
            session.verify = _ca_bundle()
            session.trust_env = False
            self._local.session, self._local.pid = session, os.getpid()
        return self._local.session

    def _call(self, method: str, url: str, **kwargs) -> requests.Response:
        kwargs["timeout"] = (settings.WHATSAPP_CONNECT_TIMEOUT, settings.WHATSAPP_READ_TIMEOUT)
        try:
            return self.session().request(method, url, **kwargs)
        except requests.ConnectTimeout as exc:
            raise GraphError("Graph API did not accept the connection in time", reached_meta=False) from exc
        except requests.Timeout as exc:
            # A read timeout means Meta may have acted on the request: the caller must not resend blindly.
            raise GraphError("Graph API did not answer in time", reached_meta=True) from exc
        except requests.ConnectionError as exc:
            refused = "NewConnectionError" in str(exc) or "Failed to establish" in str(exc)
            raise GraphError(
                f"Graph API connection failed: {exc.__class__.__name__}", reached_meta=not refused
            ) from exc

    def post(self, url, **kwargs):
        if set(kwargs) <= {"json", "headers"} and "json" in kwargs:
            return self._post_json(url, **kwargs)
        return self._call("POST", url, **kwargs)

    def get(self, url, **kwargs):
        return self._call("GET", url, **kwargs)

    def delete(self, url, **kwargs):
        return self._call("DELETE", url, **kwargs)


def _ca_bundle() -> str:
    """The certificates requests would trust: REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE, else certifi's."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()


class _NoLogging:
    """Stands in for the `logging` module inside heyoo, which logs every request and response (citizens'
    numbers and messages among them) on the root logger: nothing of that may reach a log, and building
    the records only to drop them cost two stack walks per send."""

    def _drop(self, *args, **kwargs) -> None:
        return None

    debug = info = warning = error = exception = critical = _drop


HTTP = _PooledRequests()
heyoo.requests = HTTP  # heyoo looks `requests` and `logging` up in its module globals on every call
heyoo.logging = _NoLogging()


def _token(number: WhatsAppNumber) -> str:
    if number.has_access_token:
        return whatsapp_number_token_get(number=number)
    if settings.WHATSAPP_ACCESS_TOKEN:
        return settings.WHATSAPP_ACCESS_TOKEN
    raise GraphError(f"No access token for {number.display_number}", code=190, reached_meta=False)


def _graph_url(*parts: str) -> str:
    return "/".join([settings.WHATSAPP_GRAPH_BASE_URL.rstrip("/"), settings.WHATSAPP_API_VERSION, *parts])


def _heyoo(number: WhatsAppNumber) -> heyoo.WhatsApp:
    client = heyoo.WhatsApp(token=_token(number), phone_number_id=number.phone_number_id)
    client.base_url = client.v15_base_url = _graph_url()
    client.url = _graph_url(number.phone_number_id, "messages")
    return client


def _json(call) -> dict:
    try:
        body = call()
    except requests.JSONDecodeError as exc:  # an HTML error page from a proxy in front of Meta
        raise GraphError("Graph API answered with something that is not JSON", code=None) from exc
    if isinstance(body, requests.Response | JsonResponse):  # heyoo's mark_as_read returns it on failure
        try:
            body = body.json()
        except ValueError as exc:
            raise GraphError("Graph API answered with something that is not JSON") from exc
    if not isinstance(body, dict):
        raise GraphError("Graph API answered with an unexpected body")
    if "error" in body:
        raise GraphError.from_body(body)
    return body


@dataclass
class MediaFile:
    content: bytes
    mime_type: str
    sha256: str
    size: int


class HeyooBackend:
    def send(self, number: WhatsAppNumber, body: dict) -> str:
        response = _json(lambda: _heyoo(number).send_custom_json(dict(body)))
        try:
            return str(response["messages"][0]["id"])
        except (KeyError, IndexError, TypeError) as exc:
            raise GraphError("Graph API accepted the message but returned no message id") from exc

    def mark_read(self, number: WhatsAppNumber, wamid: str) -> None:
        _json(lambda: _heyoo(number).mark_as_read(wamid))

    def media_fetch(self, number: WhatsAppNumber, media_id: str, *, max_bytes: int) -> MediaFile:
        headers = {"Authorization": f"Bearer {_token(number)}"}
        meta = HTTP.get(_graph_url(media_id), params={"phone_number_id": number.phone_number_id}, headers=headers)
        info = _json(meta.json) if meta.headers.get("content-type", "").startswith("application/json") else {}
        if not info.get("url"):
            raise GraphError(f"No download URL for media {media_id}", http_status=meta.status_code)
        size = int(info.get("file_size") or 0)
        if size > max_bytes:
            raise MediaTooLarge(f"Media {media_id} is {size} bytes, over the {max_bytes} cap", reached_meta=False)
        download = HTTP.get(info["url"], headers=headers, stream=True)
        if download.status_code != 200:
            raise GraphError(f"Media download answered {download.status_code}", http_status=download.status_code)
        content = bytearray()
        for chunk in download.iter_content(64 * 1024):
            content += chunk
            if len(content) > max_bytes:
                raise MediaTooLarge(f"Media {media_id} is over the {max_bytes} cap", reached_meta=False)
        return MediaFile(bytes(content), str(info.get("mime_type", "")), str(info.get("sha256", "")), size)


SIMULATOR_MEDIA_RE = re.compile(r"sim-[0-9a-f-]{36}")


class OutboxBackend:
    """Sends nothing: the outbound Message rows are the record (the simulator shows them). Media the
    simulator uploaded (ids "sim-…", kept under simulator/ in the default storage) is served back, so
    the simulator's files take the same download path as Meta's."""

    def send(self, number: WhatsAppNumber, body: dict) -> str:
        return f"wamid.outbox.{uuid.uuid4().hex}"

    def mark_read(self, number: WhatsAppNumber, wamid: str) -> None:
        return None

    def media_fetch(self, number: WhatsAppNumber, media_id: str, *, max_bytes: int) -> MediaFile:
        path = f"simulator/{media_id}"
        if not SIMULATOR_MEDIA_RE.fullmatch(media_id) or not default_storage.exists(path):
            raise GraphError(f"The outbox backend has no media {media_id}", code=100, reached_meta=False)
        with default_storage.open(path) as f:
            content = f.read(max_bytes + 1)
        if len(content) > max_bytes:
            raise MediaTooLarge(f"Media {media_id} is over the {max_bytes} cap", reached_meta=False)
        return MediaFile(content, "", hashlib.sha256(content).hexdigest(), len(content))


def backend() -> HeyooBackend | OutboxBackend:
    return HeyooBackend() if settings.WHATSAPP_BACKEND == "heyoo" else OutboxBackend()
