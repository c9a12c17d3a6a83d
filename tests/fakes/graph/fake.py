"""The Graph fake itself: what a test sets up (tokens, versions, failures, media, windows) and inspects."""

from __future__ import annotations

import copy
import hashlib
import re
from collections import deque
from typing import Any

from tests.fakes.graph.errors import Failure, error_reply, failure_for, fbtrace_id, invalid_reply
from tests.fakes.graph.routes import GraphRequest, GraphRoutes, StoredMedia
from tests.fakes.graph.validation import recipient_key
from tests.fakes.httpfake import HTTPFake, Reply

__all__ = ["GraphFake"]


class GraphFake(GraphRoutes, HTTPFake):
    """Loopback fake of the WhatsApp Cloud API. See tests/fakes/graph/__init__.py for the routes and
    error choices, and tests/fakes/base.py for the faults every fake shares (delay, hang, drop_next, error_next).

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
        super().__init__()
        self.tokens: set[str] = set(tokens) if tokens is not None else {"test-token"}
        self.min_version = min_version
        self.max_version = max_version
        self.phone_number_ids = set(phone_number_ids) if phone_number_ids is not None else None
        self.enforce_csw = enforce_csw

        self._accepted: list[tuple[str, float, dict[str, Any], str]] = []  # (phone id, monotonic, body, wamid)
        self._reads: list[tuple[str, str]] = []  # (phone id, message id)
        self._fail_queue: deque[Failure] = deque()
        self._fail_recipients: dict[str, Failure] = {}
        self._media: dict[str, StoredMedia] = {}
        self._url_tokens: dict[str, tuple[str, float]] = {}  # token -> (media id, fake-clock issue time)
        self._windows: dict[tuple[str | None, str], float] = {}  # (phone id or None, user) -> fake-clock time
        self._clock_offset = 0.0

    # -- fault injection -----------------------------------------------------------------------------------------

    def fail_next(
        self, code: int, *, times: int = 1, http_status: int | None = None, title: str = "", details: str = ""
    ) -> None:
        """The next `times` valid message sends get Meta's error shape with `code`.

        http_status defaults to Meta's for the code (401 for 0 and 190, 403 for 10, else 400). title/details default
        to Meta's wording for known codes; when `title` is given it is also sent as error_user_title (and details as
        error_user_msg). Mark-as-read calls, uploads and media calls are not affected.
        """
        failure = failure_for(code, http_status, title, details)
        with self._lock:
            self._fail_queue.extend([failure] * times)

    def fail_recipient(
        self, to: str, code: int, *, http_status: int | None = None, title: str = "", details: str = ""
    ) -> None:
        """Every valid send to `to` (phone number, compared by digits, or BSUID) fails with `code` until
        clear_failures()."""
        failure = failure_for(code, http_status, title, details)
        with self._lock:
            self._fail_recipients[recipient_key(to)] = failure

    def clear_failures(self) -> None:
        """Forget fail_next and fail_recipient (not the faults every fake shares: see clear_faults)."""
        with self._lock:
            self._fail_queue.clear()
            self._fail_recipients.clear()

    # -- customer service window (optional, see enforce_csw) -----------------------------------------------------

    def open_window(self, user: str, *, phone_number_id: str | None = None) -> None:
        """Record an inbound message from `user` now (on the fake clock): opens a 24-hour window for
        `phone_number_id` (None: for every business number)."""
        with self._lock:
            self._windows[(phone_number_id, recipient_key(user))] = self._now()

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

    def reset(self) -> None:
        """Forget recorded requests, sends and read receipts, and every injected failure, fault and delay.
        Keeps tokens, media, customer service windows and connections_opened."""
        with self._lock:
            super().reset()
            self._accepted.clear()
            self._reads.clear()
            self.clear_failures()

    # -- what the base asks of an HTTP fake ----------------------------------------------------------------------

    def new_record(self, **fields: Any) -> GraphRequest:
        match = re.fullmatch(r"/v\d+\.\d+/([^/]+)/(?:messages|media)/?", fields["path"])
        return GraphRequest(
            **fields, phone_number_id=match.group(1) if match else fields["query"].get("phone_number_id")
        )

    def reply_headers(self) -> dict[str, str]:
        return {"x-fb-trace-id": fbtrace_id()}

    def bad_request_reply(self, message: str) -> Reply:
        return invalid_reply(message)

    def internal_error_reply(self, trace: str) -> Reply:
        return error_reply(500, 1, "GraphFake internal error: " + trace)
