"""A loopback fake of clamd (ClamAV's daemon) speaking INSTREAM over TCP.

It is a real TCP server on 127.0.0.1 (``FakeServer``, tests/fakes/base.py), standard library only, so govchat's
scanner talks to it exactly as it would to clamd.

Commands (clamd(8)), each with the ``z`` (NUL-terminated) or ``n`` (newline-terminated) prefix:

* ``INSTREAM``: chunks, each prefixed by a 4-byte big-endian length, ending with a zero-length chunk. The reply is
  ``stream: Eicar-Test-Signature FOUND`` when the stream contains the EICAR test string anywhere, else
  ``stream: OK``. Over ``stream_max_length`` bytes it answers ``INSTREAM size limit exceeded. ERROR`` and hangs
  up at once without reading the rest, as clamd does.
* ``PING``: ``PONG``. Anything else: ``UNKNOWN COMMAND``.

Replies end with the command's terminator (NUL for ``z``). ``mode`` (settable while running) simulates trouble
once the whole stream is read: ``"ok"`` answers as above; ``"slow"`` waits ``slow_seconds`` first (close() cuts
the wait short); ``"drop"`` closes the connection without a word; ``"garbage"`` answers bytes that are not a
clamd reply; ``"error"`` answers ``INSTREAM size limit exceeded. ERROR``. The faults every fake shares
(``delay``, ``hang``, ``drop_next``: tests/fakes/base.py) fall at the same point.
"""

from __future__ import annotations

import socket
import struct

from tests.fakes.base import FakeServer

__all__ = ["ClamdFake", "EICAR"]

#: The EICAR anti-virus test file, in two pieces so that a scanner looking at this source does not flag it.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
MODES = ("ok", "slow", "drop", "garbage", "error")
SIZE_LIMIT_ERROR = b"INSTREAM size limit exceeded. ERROR"


class ClamdFake(FakeServer):
    """Loopback fake of clamd's INSTREAM. See the module docstring. Typical use::

    with ClamdFake() as fake:
        settings.CLAMD_HOST, settings.CLAMD_PORT = fake.host, fake.port
        ...
        assert fake.streams == [content]
    """

    def __init__(self, *, mode: str = "ok", slow_seconds: float = 5.0, stream_max_length: int = 25 * 1024 * 1024
                 ) -> None:  # fmt: skip
        """
        mode: one of MODES (see the module docstring); may be changed while running.
        slow_seconds: how long the "slow" mode waits before answering (make it longer than the client's timeout).
        stream_max_length: clamd's StreamMaxLength; a longer stream gets the size-limit ERROR.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        super().__init__()
        self.mode = mode
        self.slow_seconds = slow_seconds
        self.stream_max_length = stream_max_length
        self.commands: list[str] = []
        self.streams: list[bytes] = []  # every complete INSTREAM payload received, in order
        self.chunk_sizes: list[list[int]] = []  # the chunk lengths of each

    def reset(self) -> None:
        with self._lock:
            super().reset()
            self.commands.clear()
            self.streams.clear()
            self.chunk_sizes.clear()

    def serve_connection(self, sock: socket.socket) -> None:
        reader = sock.makefile("rb")
        command, terminator = _command(reader)
        if command is None:
            return
        with self._lock:
            self.commands.append(command.decode("ascii", "replace"))
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
            if len(stream) + length > self.stream_max_length:
                sock.sendall(SIZE_LIMIT_ERROR + terminator)
                return
            chunk = reader.read(length)
            if len(chunk) < length:
                return
            stream += chunk
            chunks.append(length)
        with self._lock:
            self.streams.append(bytes(stream))
            self.chunk_sizes.append(chunks)
        if self.endure(self.take_fault()):
            self._verdict(sock, bytes(stream), terminator)

    def _verdict(self, sock: socket.socket, stream: bytes, terminator: bytes) -> None:
        mode = self.mode
        if mode == "slow" and not self.pause(self.slow_seconds):
            return
        if mode == "drop":
            return
        if mode == "garbage":
            sock.sendall(b"\x16\x03\x01 HTTP/1.1 400 what?" + terminator)
        elif mode == "error":
            sock.sendall(SIZE_LIMIT_ERROR + terminator)
        elif EICAR in stream:
            sock.sendall(b"stream: Eicar-Test-Signature FOUND" + terminator)
        else:
            sock.sendall(b"stream: OK" + terminator)


def _command(reader) -> tuple[bytes | None, bytes]:
    """The command and its terminator; None when it is not a z- or n-prefixed command."""
    first = reader.read(1)
    if first not in (b"z", b"n"):
        return None, b""
    terminator = b"\0" if first == b"z" else b"\n"
    command = b""
    while not command.endswith(terminator) and len(command) < 64:
        byte = reader.read(1)
        if not byte:
            return None, terminator
        command += byte
    return command.rstrip(terminator), terminator
