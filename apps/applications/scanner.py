"""Malware scanning of citizens' files with clamd (ClamAV's daemon), over TCP with its INSTREAM command.

The protocol (clamd(8)): send ``zINSTREAM\\0``, then the file in chunks, each prefixed by its length as a
4-byte big-endian unsigned integer, then a zero-length chunk; clamd answers one line ending in ``\\0``:
``stream: OK``, ``stream: <signature> FOUND``, or ``<what went wrong> ERROR`` (for example
``INSTREAM size limit exceeded. ERROR`` when the file is over clamd's StreamMaxLength, after which clamd
closes the connection).

With ``CLAMD_HOST`` unset nothing is scanned and every file counts as clean (``ScanResult.scanned`` is False):
the embedded default runs with no servers. Once it is set, a file is clean only when clamd says so: an
unreachable scanner, a timeout, an ERROR or a reply that cannot be read raise ``ScannerUnavailable``, never a
clean result. Logs name the scanner and what went wrong, never the file's contents.
"""

import logging
import socket
import struct
import time
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)

#: Bytes per INSTREAM chunk; far below clamd's StreamMaxLength (25 MB by default).
CHUNK_SIZE = 64 * 1024
#: A reply longer than this is not clamd's (its longest are a path or a signature name and a word).
MAX_REPLY = 4096


@dataclass(frozen=True)
class ScanResult:
    """clamd's verdict. ``signature`` names what was found when not clean; ``scanned`` is False when no
    scanner is configured (the file was not looked at)."""

    clean: bool
    signature: str = ""
    scanned: bool = True


class ScannerUnavailable(Exception):
    """The configured scanner gave no verdict (unreachable, too slow, an ERROR or an unreadable reply)."""


def scan(content: bytes) -> ScanResult:
    """Scan ``content`` with clamd at CLAMD_HOST:CLAMD_PORT; clean without scanning when CLAMD_HOST is unset.

    Raises ScannerUnavailable when a configured scanner gives no verdict within CLAMD_TIMEOUT seconds (for the
    connection, and again for the reply once the file is sent).
    """
    host = settings.CLAMD_HOST
    if not host:
        return ScanResult(clean=True, scanned=False)
    port, timeout = settings.CLAMD_PORT, settings.CLAMD_TIMEOUT
    try:
        reply = _instream(host=host, port=port, timeout=timeout, content=content)
    except OSError as error:  # refused, reset, unreachable, and socket timeouts (TimeoutError)
        logger.warning("clamd at %s:%s gave no verdict: %s", host, port, _describe(error))
        raise ScannerUnavailable(f"clamd at {host}:{port}: {_describe(error)}") from error
    text = reply.decode("utf-8", "replace").strip()
    if text == "stream: OK":
        return ScanResult(clean=True)
    if text.startswith("stream: ") and text.endswith(" FOUND"):
        signature = text.removeprefix("stream: ").removesuffix(" FOUND").strip()[:200]
        if signature:
            return ScanResult(clean=False, signature=signature)
    # An ERROR, or something that is not clamd talking: clamd's own words, not the file's, so safe to log.
    logger.warning("clamd at %s:%s answered without a verdict: %r", host, port, text[:200])
    raise ScannerUnavailable(f"clamd at {host}:{port} answered {text[:200]!r}")


def _describe(error: OSError) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _instream(*, host: str, port: int, timeout: float, content: bytes) -> bytes:
    """Send ``content`` with INSTREAM and return clamd's reply without its terminating NUL."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sent = True
        try:
            sock.sendall(b"zINSTREAM\0")
            view = memoryview(content)
            for start in range(0, len(view), CHUNK_SIZE):
                chunk = view[start : start + CHUNK_SIZE]
                sock.sendall(struct.pack("!I", len(chunk)))
                sock.sendall(chunk)
            sock.sendall(struct.pack("!I", 0))
        except (BrokenPipeError, ConnectionResetError):
            # clamd stops reading and hangs up when a stream is over its limit; what it said first is the
            # reason worth logging. Whatever it said, the file was not scanned in full.
            sent = False
        try:
            reply = _read_reply(sock, timeout=timeout)
        except OSError:
            if sent:
                raise
            reply = b""
        if not sent:
            raise ConnectionResetError(f"clamd hung up before the whole file was sent ({reply[:200]!r})")
        return reply


def _read_reply(sock: socket.socket, *, timeout: float) -> bytes:
    """Read up to clamd's terminating NUL, within ``timeout`` seconds in all (a trickle does not reset it)."""
    deadline = time.monotonic() + timeout
    data = b""
    while b"\0" not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no reply in time")
        sock.settimeout(remaining)
        received = sock.recv(MAX_REPLY)
        if not received:
            raise ConnectionResetError(f"connection closed before the reply ended ({data[:200]!r})")
        data += received
        if len(data) > MAX_REPLY:
            raise ConnectionError("reply too long")
    return data.split(b"\0", 1)[0]
