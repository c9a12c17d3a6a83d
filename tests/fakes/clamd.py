"""A loopback fake of clamd (ClamAV's daemon) speaking INSTREAM over TCP.

It is a real TCP server on 127.0.0.1 (``ThreadingTCPServer`` on port 0, served from a daemon thread), standard
library only, so govchat's scanner talks to it exactly as it would to clamd.

Commands (clamd(8)), each with the ``z`` (NUL-terminated) or ``n`` (newline-terminated) prefix:

* ``INSTREAM``: chunks, each prefixed by a 4-byte big-endian length, ending with a zero-length chunk. The reply is
  ``stream: Eicar-Test-Signature FOUND`` when the stream contains the EICAR test string anywhere, else
  ``stream: OK``. Over ``stream_max_length`` bytes it answers ``INSTREAM size limit exceeded. ERROR`` and hangs
  up at once without reading the rest, as clamd does.
* ``PING``: ``PONG``. Anything else: ``UNKNOWN COMMAND``.

Replies end with the command's terminator (NUL for ``z``). ``mode`` (settable while running) simulates trouble
once the whole stream is read: ``"ok"`` answers as above; ``"slow"`` waits ``delay`` seconds first (stop() cuts
the wait short); ``"drop"`` closes the connection without a word; ``"garbage"`` answers bytes that are not a
clamd reply; ``"error"`` answers ``INSTREAM size limit exceeded. ERROR``.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading

__all__ = ["ClamdFake", "EICAR"]

#: The EICAR anti-virus test file, in two pieces so that a scanner looking at this source does not flag it.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
MODES = ("ok", "slow", "drop", "garbage", "error")
SIZE_LIMIT_ERROR = b"INSTREAM size limit exceeded. ERROR"


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(socketserver.BaseRequestHandler):
    fake: ClamdFake

    def handle(self) -> None:
        sock: socket.socket = self.request
        fake = self.fake
        with fake._lock:
            fake._connections.add(sock)
        try:
            self._serve(sock, fake)
        except OSError:
            pass  # the client went away, or stop() shut the socket
        finally:
            with fake._lock:
                fake._connections.discard(sock)

    def _serve(self, sock: socket.socket, fake: ClamdFake) -> None:
        reader = sock.makefile("rb")
        first = reader.read(1)
        if first not in (b"z", b"n"):
            return
        terminator = b"\0" if first == b"z" else b"\n"
        command = b""
        while not command.endswith(terminator) and len(command) < 64:
            byte = reader.read(1)
            if not byte:
                return
            command += byte
        command = command.rstrip(terminator)
        with fake._lock:
            fake.commands.append(command.decode("ascii", "replace"))
        if command == b"PING":
            sock.sendall(b"PONG" + terminator)
            return
        if command != b"INSTREAM":
            sock.sendall(b"UNKNOWN COMMAND" + terminator)
            return
        stream, chunks = bytearray(), []
        while True:
            header = reader.read(4)
            if len(header) < 4:
                return  # the client hung up mid-stream
            (length,) = struct.unpack("!I", header)
            if not length:
                break
            if len(stream) + length > fake.stream_max_length:
                sock.sendall(SIZE_LIMIT_ERROR + terminator)
                return
            chunk = reader.read(length)
            if len(chunk) < length:
                return
            stream += chunk
            chunks.append(length)
        with fake._lock:
            fake.streams.append(bytes(stream))
            fake.chunk_sizes.append(chunks)
        mode = fake.mode
        if mode == "slow":
            fake._stopping.wait(fake.delay)
        elif mode == "drop":
            return
        elif mode == "garbage":
            sock.sendall(b"\x16\x03\x01 HTTP/1.1 400 what?" + terminator)
            return
        elif mode == "error":
            sock.sendall(SIZE_LIMIT_ERROR + terminator)
            return
        if EICAR in stream:
            sock.sendall(b"stream: Eicar-Test-Signature FOUND" + terminator)
        else:
            sock.sendall(b"stream: OK" + terminator)


class ClamdFake:
    """Loopback fake of clamd's INSTREAM. See the module docstring. Typical use::

    with ClamdFake() as fake:
        settings.CLAMD_HOST, settings.CLAMD_PORT = fake.host, fake.port
        ...
        assert fake.streams == [content]
    """

    def __init__(self, *, mode: str = "ok", delay: float = 5.0, stream_max_length: int = 25 * 1024 * 1024) -> None:
        """
        mode: one of MODES (see the module docstring); may be changed while running.
        delay: seconds the "slow" mode waits before answering (make it longer than the client's timeout).
        stream_max_length: clamd's StreamMaxLength; a longer stream gets the size-limit ERROR.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.mode = mode
        self.delay = delay
        self.stream_max_length = stream_max_length
        self.commands: list[str] = []
        self.streams: list[bytes] = []  # every complete INSTREAM payload received, in order
        self.chunk_sizes: list[list[int]] = []  # the chunk lengths of each
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ClamdFake:
        """Start serving on 127.0.0.1 on a free port. Returns self."""
        if self._server is not None:
            raise RuntimeError("ClamdFake is already running")
        self._stopping.clear()
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="ClamdFake", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake any "slow" reply and drop every open connection (idempotent)."""
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

    def __enter__(self) -> ClamdFake:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("ClamdFake is not running")
        return self._server.server_address[1]
