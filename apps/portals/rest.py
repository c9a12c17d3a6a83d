"""The generic REST/JSON connector: the only module that makes HTTP calls to department portals.

The contract (the demo portal and the tests' fake implement it; a real portal's paths, field names and
statuses are adapted by its PortalConnection):

- POST {base}{submit_path} with {"service", "reference", "submitted_at", "language", "fields",
  "documents", "callback_url"} and an `Idempotency-Key` header -> 2xx {"reference": ..., "status": ...};
  the same key always gives the same portal reference.
- GET {base}{status_path} -> 2xx {"reference": ..., "status": ..., "note": ...}.
- GET {base}{lookup_path}?number=... -> 2xx {"found": true, "status_text_en", "status_text_hi",
  "details": [{"label_en", "label_hi", "value"}]}, or 404 when the number is unknown.
- GET {base}{dues_path}{service}/?number=... (pay services) -> 2xx {"found": true, "demands": [{"demand_id",
  "description_en", "description_hi", "amount_paise", "breakup": [{"label_en", "label_hi", "amount_paise"}]}]},
  or 404 / {"found": false} when nothing is due. Amounts are whole numbers of paise (JSON integers, never
  1234.5 or "1234"); a demand's total is above zero and its break-up lines (a rebate is negative) add up to it.
- POST {base}{dues_path}{service}/paid/ with {"demand_id", "reference", "amount_paise", "paid_at"} and an
  `Idempotency-Key` header (our payment reference) -> 2xx {"receipt": ..., "status": ...}; the same key again
  is the same payment, answered the same way; a demand already paid under another key is a 409.

Every call has (connect, read) timeouts. Timeouts, refused connections, 5xx, 408/429 and answers that are
not the agreed JSON raise PortalUnavailable; other 4xx raise PortalRefused with the portal's reason.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime
from urllib.parse import quote, urljoin

import requests
from django.conf import settings
from django.urls import reverse
from requests.adapters import HTTPAdapter

from .base import (
    DuesPaidResult,
    LookupResult,
    PortalApplication,
    PortalDemand,
    PortalRefused,
    PortalUnavailable,
    StatusResult,
    SubmitResult,
)
from .config import ConnectionConfig

logger = logging.getLogger(__name__)
_local = threading.local()
TEXT_MAX, DETAILS_MAX = 500, 12
# Dues: at most this many demands for one number and break-up lines in one demand; amounts above ₹100 crore
# are taken for garbage, not for a demand.
DEMANDS_MAX, BREAKUP_MAX, PAISE_MAX = 50, 20, 10**11


def _session() -> requests.Session:
    # Per process (Celery forks after import) and per thread; trust_env off so a stray .netrc never adds
    # credentials, proxies read once.
    if getattr(_local, "pid", None) != os.getpid():
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=8, pool_maxsize=16, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.trust_env = False
        session.proxies = requests.utils.get_environ_proxies("https://example.gov.in")
        _local.session, _local.pid = session, os.getpid()
    return _local.session


def _text(value, limit: int = TEXT_MAX) -> str:
    return str(value)[:limit] if isinstance(value, str | int | float) and not isinstance(value, bool) else ""


class RestConnector:
    """A department portal spoken to over REST/JSON, as its connection describes."""

    def __init__(self, connection: ConnectionConfig) -> None:
        self.connection = connection

    def _headers(self) -> dict[str, str]:
        c = self.connection
        headers = {"Accept": "application/json", "User-Agent": "govchat-portal-connector/1"}
        if c.auth_type == "bearer" and c.secret:
            headers["Authorization"] = f"Bearer {c.secret}"
        elif c.auth_type == "api_key" and c.secret:
            headers[c.auth_header or "X-API-Key"] = c.secret
        return headers

    def _url(self, path: str, **values: str) -> str:
        base = self.connection.base_url if self.connection.base_url.endswith("/") else self.connection.base_url + "/"
        return urljoin(base, path.format(**{k: quote(v, safe="") for k, v in values.items()}).lstrip("/"))

    def _call(self, method: str, url: str, *, json: dict | None = None, params: dict | None = None,
              headers: dict | None = None, not_found_ok: bool = False) -> dict | None:  # fmt: skip
        c = self.connection
        auth = (c.username, c.secret) if c.auth_type == "basic" else None
        try:
            response = _session().request(
                method, url, json=json, params=params, headers={**self._headers(), **(headers or {})}, auth=auth,
                timeout=(c.connect_timeout, c.read_timeout), allow_redirects=False,
            )  # fmt: skip
        except requests.Timeout as exc:
            raise PortalUnavailable(f"{c.connector}: no answer in time ({exc.__class__.__name__})") from exc
        except requests.RequestException as exc:
            raise PortalUnavailable(f"{c.connector}: connection failed ({exc.__class__.__name__})") from exc
        status = response.status_code
        if status == 404 and not_found_ok:
            return None
        if status >= 500 or status in (408, 425, 429) or 300 <= status < 400 or status < 200:
            raise PortalUnavailable(f"{c.connector}: HTTP {status}")
        body = self._json(response)
        if status >= 400:
            reason = _text(body.get("error") or body.get("reason") or body.get("message")) if body else ""
            raise PortalRefused(f"{c.connector}: HTTP {status}: {reason or response.reason}", http_status=status)
        if body is None:
            raise PortalUnavailable(f"{c.connector}: HTTP {status} with an answer that is not a JSON object")
        return body

    @staticmethod
    def _json(response: requests.Response) -> dict | None:
        try:
            body = response.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def submit(self, application: PortalApplication, *, idempotency_key: str | None = None) -> SubmitResult:
        mapping = self.connection.field_map.get(application.service_code) or {}
        renames = mapping.get("fields") or {}
        payload = {
            "service": mapping.get("service") or application.service_code,
            "reference": application.reference,
            "submitted_at": application.submitted_at.isoformat() if application.submitted_at else None,
            "language": application.language,
            "fields": {renames.get(key, key): value for key, value in (application.answers or {}).items()},
            "documents": [
                {key: d.get(key) for key in ("slot", "content_type", "size", "sha256")} for d in application.documents
            ],
            "callback_url": settings.SITE_URL.rstrip("/")
            + reverse("portals:callback", kwargs={"connector": self.connection.connector}),
        }
        key = idempotency_key or application.reference
        body = self._call(
            "POST", self._url(self.connection.submit_path), json=payload, headers={"Idempotency-Key": key}
        )
        reference = _text(body.get("reference"), 100).strip()
        if not reference:
            raise PortalUnavailable(f"{self.connection.connector}: accepted without a reference")
        return SubmitResult(portal_reference=reference, portal_status=_text(body.get("status"), 100))

    def status(self, portal_reference: str) -> StatusResult:
        url = self._url(self.connection.status_path, reference=portal_reference or "")
        body = self._call("GET", url)
        status = _text(body.get("status"), 100).strip()
        if not status:
            raise PortalUnavailable(f"{self.connection.connector}: a status answer without a status")
        return StatusResult(portal_status=status, note=_text(body.get("note"), 2000))

    def lookup(self, service_code: str, number: str, *, extra: dict | None = None) -> LookupResult:
        mapping = self.connection.field_map.get(service_code) or {}
        url = self._url(self.connection.lookup_path, service=mapping.get("service") or service_code)
        params = {**{k: str(v) for k, v in (extra or {}).items()}, "number": number}
        body = self._call("GET", url, params=params, not_found_ok=True)
        if body is None or body.get("found") is False:
            return LookupResult(found=False)
        if body.get("found") is not True or not isinstance(body.get("details", []), list):
            raise PortalUnavailable(f"{self.connection.connector}: a lookup answer not in the agreed shape")
        rows = [row for row in body.get("details", [])[:DETAILS_MAX] if isinstance(row, dict)]
        details = [
            (
                _text(row.get("label_en")),
                _text(row.get("label_hi")) or _text(row.get("label_en")),
                _text(row.get("value")),
            )
            for row in rows
            if _text(row.get("label_en")) and _text(row.get("value"))
        ]
        en = _text(body.get("status_text_en")) or _text(body.get("status"))
        return LookupResult(
            found=True, details=details, status_text_en=en, status_text_hi=_text(body.get("status_text_hi")) or en
        )

    def _dues_url(self, service_code: str, suffix: str = "") -> str:
        mapping = self.connection.field_map.get(service_code) or {}
        path = self.connection.dues_path.rstrip("/") + "/{service}/" + suffix
        return self._url(path, service=mapping.get("service") or service_code)

    def dues(self, service_code: str, number: str) -> list[PortalDemand]:
        """What is due for a number (a property ID, a K number, a vehicle or challan number): [] when nothing
        is. An answer whose amounts are not whole paise, whose total is not above zero or whose break-up does
        not add up raises PortalUnavailable: money is never shown from a doubtful answer."""
        body = self._call("GET", self._dues_url(service_code), params={"number": number}, not_found_ok=True)
        if body is None or body.get("found") is False:
            return []
        demands = body.get("demands")
        if body.get("found") is not True or not isinstance(demands, list):
            raise PortalUnavailable(f"{self.connection.connector}: a dues answer not in the agreed shape")
        if len(demands) > DEMANDS_MAX:
            logger.warning("Portal %s gave %s demands for one number; the first %s are shown",
                           self.connection.connector, len(demands), DEMANDS_MAX)  # fmt: skip
        result = [self._demand(row) for row in demands[:DEMANDS_MAX]]
        if len({d.demand_id for d in result}) != len(result):
            raise PortalUnavailable(f"{self.connection.connector}: malformed dues: a demand id given twice")
        return result

    def _demand(self, row) -> PortalDemand:
        def malformed(what: str) -> PortalUnavailable:
            return PortalUnavailable(f"{self.connection.connector}: malformed dues: {what}")

        if not isinstance(row, dict):
            raise malformed("a demand that is not an object")
        demand_id = _text(row.get("demand_id"), 101).strip()
        if not demand_id or len(demand_id) > 100:
            raise malformed("a demand without an id (or one over 100 characters)")
        amount = row.get("amount_paise")
        if not _is_paise(amount) or amount <= 0:
            raise malformed(f"demand {demand_id}: the amount is not a whole number of paise above zero")
        description_en = _text(row.get("description_en"), 300).strip() or demand_id
        description_hi = _text(row.get("description_hi"), 300).strip() or description_en
        lines = row.get("breakup", [])
        if not isinstance(lines, list) or len(lines) > BREAKUP_MAX:
            raise malformed(f"demand {demand_id}: a break-up that is not a list of at most {BREAKUP_MAX} lines")
        breakup = []
        for line in lines:
            label_en = _text(line.get("label_en"), 200).strip() if isinstance(line, dict) else ""
            if not label_en or not _is_paise(line.get("amount_paise")):
                raise malformed(f"demand {demand_id}: a break-up line without a label or a whole amount in paise")
            label_hi = _text(line.get("label_hi"), 200).strip() or label_en
            breakup.append({"label_en": label_en, "label_hi": label_hi, "amount_paise": line["amount_paise"]})
        if breakup and sum(line["amount_paise"] for line in breakup) != amount:
            raise malformed(f"demand {demand_id}: the break-up does not add up to the amount")
        if not breakup:
            breakup = [{"label_en": description_en, "label_hi": description_hi, "amount_paise": amount}]
        return PortalDemand(demand_id=demand_id, description_en=description_en, description_hi=description_hi,
                            breakup=breakup, amount_paise=amount)  # fmt: skip

    def dues_paid(self, service_code: str, *, demand_id: str, reference: str, amount_paise: int,
                  paid_at: datetime) -> DuesPaidResult:  # fmt: skip
        """Tell the portal a demand was paid, with our payment reference as the idempotency key (a retry is
        the same payment). PortalRefused when the portal will not take it (an unknown demand, another
        amount, a demand already paid under another reference: 409)."""
        payload = {"demand_id": demand_id, "reference": reference, "amount_paise": amount_paise,
                   "paid_at": paid_at.isoformat()}  # fmt: skip
        body = self._call("POST", self._dues_url(service_code, "paid/"), json=payload,
                          headers={"Idempotency-Key": reference})  # fmt: skip
        return DuesPaidResult(receipt=_text(body.get("receipt"), 100).strip(), status=_text(body.get("status"), 100))


def _is_paise(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -PAISE_MAX <= value <= PAISE_MAX


def connector_for(connection: ConnectionConfig) -> RestConnector:
    """The connector for a connection (one generic REST/JSON kind today; a portal speaking something else
    gets its own class with the same methods)."""
    return RestConnector(connection)
