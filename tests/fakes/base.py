"""One base for the loopback fakes of outside systems: Graph API, Razorpay, a department portal, clamd, OpenAI.

Each fake is a real server on 127.0.0.1, on a port the kernel picks, served from daemon threads with the
standard library only, so govchat's real clients, their timeouts and retries run against it. ``FakeServer`` is
the socketserver-level core (clamd speaks its own TCP protocol on it, in ``serve_connection``); ``HTTPFake``
(tests/fakes/httpfake.py) puts HTTP/1.1 on it (keep-alive, sized or chunked bodies, a request log) for the
others, which only write ``answer(request) -> Reply``. Their fixtures are in tests/fakes/fixtures.py.

Life: ``start()`` returns the fake; ``close()`` (also ``stop()``, idempotent) wakes every wait and drops every
open connection; or ``with Fake() as fake:``. ``host``, ``port``, ``connections_opened``; ``base_url`` on HTTP.

Faults, the same on every fake. One-shot faults are used up in the order they were set, before a standing one:

* ``delay(seconds, times=None)``: act on the request, then answer after ``seconds`` (slow replies; beyond the
  client's read timeout the client has given up on what the fake did). ``times=None`` is every request until
  ``delay(0)``.
* ``hang(seconds, times=1)``: accept and read the request (it is logged, not acted on), then answer nothing for
  ``seconds`` and close the connection without a word; ``times=None`` hangs every request until
  ``clear_faults()``. ``held`` is how many requests are being held now and ``wait_held(count, timeout)`` waits
  until that many are, so a test knows the call is stuck before it sends the next message; ``release()`` ends
  every hang and delay at once. For proving that a call that never answers holds nothing else up::

      openai_fake.hang(30)
      ... the citizen's message is sent; in another thread, or through the worker ...
      assert openai_fake.wait_held()
      ... another citizen is answered meanwhile; the first is answered once the call's timeout passes ...

* ``drop_next(times=1)``: read the request, then close the connection without a word (not acted on).
* ``error_next(status=503, times=1)`` (HTTP): answer ``error_reply(status)``, by default the HTML error page a
  proxy in front of the system would send; a fake may answer in its system's own error shape instead.
* ``clear_faults()``; ``reset()`` also forgets the log.

A TCP fake decides where its faults fall by calling ``endure(take_fault())`` where it would answer.

Log (HTTP): ``log``, a snapshot of every request received (``RecordedRequest``: method, path, query,
lower-cased headers, body, parsed JSON, time, connection and the status answered), including refused ones and
held ones (status None). ``requests`` is the same log, except on OpenAIFake, whose ``requests`` are the chat
bodies it read. JSON and multipart helpers are in tests/fakes/httpfake.py.
"""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

__all__ = ["FakeServer", "Fault", "RecordedRequest"]


@dataclass
class RecordedRequest:
    """One request a fake received (every request, including refused ones)."""

    method: str
    path: str  # without the query string
    query: dict[str, str]  # first value of each parameter
    headers: dict[str, str]  # lower-cased names
    body: bytes
    json: Any  # the parsed JSON body, or None if the body was empty or not JSON
    timestamp: float  # time.monotonic() when the request had been read
    connection_id: int  # 1-based number of the TCP connection that carried it
    status: int | None = None  # the status answered (None while in flight, or never answered)


@dataclass(frozen=True)
class Fault:
    kind: str  # "delay", "hang", "drop" or "error"
    seconds: float = 0.0
    status: int = 0


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (their timeouts, close()) are normal here; anything else is printed as usual.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class Tracked:
    """Counts and remembers the connection, so close() can cut it and records can name it."""

    fake: FakeServer  # set on the per-fake subclass
    request: socket.socket

    def setup(self) -> None:
        super().setup()
        self.connection_id = self.fake._connection_opened(self.request)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.fake._connection_closed(self.request)


class _TCPHandler(Tracked, socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.fake.serve_connection(self.request)


class FakeServer:
    """The core of every fake: a threaded TCP server on 127.0.0.1, its life, its connections and its faults.

    A TCP fake writes ``serve_connection(sock)``; see the module docstring for the faults.
    """

    handler_class: type[socketserver.BaseRequestHandler] = _TCPHandler

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)  # pauses end on close() or release()
        self._stopping = False
        self._generation = 0  # release() moves it on
        self._held = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connections_opened = 0
        self._log: list[RecordedRequest] = []
        self._faults: deque[Fault] = deque()
        self._standing: Fault | None = None

    # -- life ----------------------------------------------------------------------------------------------------

    def start(self):
        """Start serving on 127.0.0.1 on a free port. Returns self."""
        if self._server is not None:
            raise RuntimeError(f"{type(self).__name__} is already running")
        self._stopping = False
        handler = type("_BoundHandler", (self.handler_class,), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, wake every delayed or held reply and drop every open connection (idempotent)."""
        server, thread = self._server, self._thread
        if server is None:
            return
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
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

    stop = close  # the name the fixtures and older tests use

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() first")
        return self._server.server_address[1]

    @property
    def connections_opened(self) -> int:
        """How many TCP connections were accepted since start (reset() does not reset it)."""
        with self._lock:
            return self._connections_opened

    def serve_connection(self, sock: socket.socket) -> None:
        raise NotImplementedError

    # -- faults --------------------------------------------------------------------------------------------------

    def delay(self, seconds: float, *, times: int | None = None) -> None:
        """Answer after `seconds` (every request, or the next `times`); 0 turns delays off."""
        with self._lock:
            if seconds <= 0:
                self._faults = deque(f for f in self._faults if f.kind != "delay")
                if self._standing is not None and self._standing.kind == "delay":
                    self._standing = None
                return
            self._add(Fault("delay", seconds=float(seconds)), times)

    def hang(self, seconds: float, *, times: int | None = 1) -> None:
        """Read the next `times` requests (None: every one) and answer nothing for `seconds`, then hang up."""
        self._add(Fault("hang", seconds=float(seconds)), times)

    def drop_next(self, times: int = 1) -> None:
        """Read the next `times` requests and close their connections without a word."""
        self._add(Fault("drop"), times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._standing = None

    def release(self) -> None:
        """End every delay and hang now (a delayed reply is then sent; a held request is hung up on)."""
        with self._wake:
            self._generation += 1
            self._wake.notify_all()

    @property
    def held(self) -> int:
        """How many requests a hang holds now."""
        with self._lock:
            return self._held

    def wait_held(self, count: int = 1, timeout: float = 5.0) -> bool:
        """Wait until `count` requests are held by a hang; False if that did not happen within `timeout`."""
        with self._wake:
            return self._wake.wait_for(lambda: self._held >= count, timeout=timeout)

    def take_fault(self) -> Fault | None:
        """The fault for the request at hand: the next one-shot fault, else the standing one, else None."""
        with self._lock:
            return self._faults.popleft() if self._faults else self._standing

    def endure(self, fault: Fault | None) -> bool:
        """Act out a delay, hang or drop; True when the answer is still to be sent."""
        if fault is None:
            return True
        if fault.kind == "delay":
            return self.pause(fault.seconds)
        if fault.kind == "hang":
            with self._wake:
                self._held += 1
                self._wake.notify_all()
            try:
                self.pause(fault.seconds)
            finally:
                with self._wake:
                    self._held -= 1
                    self._wake.notify_all()
        return False

    def pause(self, seconds: float) -> bool:
        """Wait `seconds`, or less if close() or release() comes first; False when the fake is closing."""
        with self._wake:
            generation = self._generation
            self._wake.wait_for(lambda: self._stopping or self._generation != generation, timeout=seconds)
            return not self._stopping

    def _add(self, fault: Fault, times: int | None) -> None:
        with self._lock:
            if times is None:
                self._standing = fault
            else:
                self._faults.extend([fault] * times)

    # -- log -----------------------------------------------------------------------------------------------------

    @property
    def log(self) -> list[RecordedRequest]:
        """A snapshot of every request received, oldest first."""
        with self._lock:
            return list(self._log)

    @property
    def requests(self) -> list[RecordedRequest]:
        """The log, under the name the tests use (OpenAIFake keeps its chat bodies here)."""
        return self.log

    def reset(self) -> None:
        """Forget the requests received and every fault (not the connections counted)."""
        with self._lock:
            self._log.clear()
            self.clear_faults()

    def _connection_opened(self, sock: socket.socket) -> int:
        with self._lock:
            self._connections.add(sock)
            self._connections_opened += 1
            return self._connections_opened

    def _connection_closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.discard(sock)
