import logging
import socket
import time

import pytest

from apps.applications.scanner import CHUNK_SIZE, ScannerUnavailable, ScanResult, scan
from tests.fakes.clamd import EICAR

SECRET = b"Aadhaar 2345 6789 0123 of a citizen"


def test_not_configured_counts_as_clean_without_scanning(settings, clamd_fake):
    settings.CLAMD_HOST = ""

    assert scan(EICAR) == ScanResult(clean=True, signature="", scanned=False)
    assert clamd_fake.commands == []


def test_a_clean_file_is_sent_in_length_prefixed_chunks(clamd_fake):
    content = bytes(range(256)) * 1000  # 256,000 bytes: three full chunks and a part

    assert scan(content) == ScanResult(clean=True, signature="", scanned=True)
    assert clamd_fake.commands == ["INSTREAM"]
    assert clamd_fake.streams == [content]
    assert clamd_fake.chunk_sizes == [[CHUNK_SIZE] * 3 + [256_000 - 3 * CHUNK_SIZE]]


def test_the_eicar_test_file_is_found(clamd_fake):
    result = scan(b"some bytes before " + EICAR + b" and after")

    assert result == ScanResult(clean=False, signature="Eicar-Test-Signature", scanned=True)


def test_an_empty_stream_is_still_a_verdict(clamd_fake):
    assert scan(b"").clean
    assert clamd_fake.streams == [b""]


@pytest.mark.parametrize("mode", ["drop", "garbage", "error"])
def test_no_verdict_is_never_clean(clamd_fake, mode, caplog):
    clamd_fake.mode = mode

    with caplog.at_level(logging.WARNING, logger="apps.applications.scanner"):
        with pytest.raises(ScannerUnavailable):
            scan(SECRET)

    assert clamd_fake.streams == [SECRET]  # it got the whole file, and still no verdict
    assert caplog.records and all(record.levelno == logging.WARNING for record in caplog.records)
    assert "Aadhaar" not in caplog.text and "2345" not in caplog.text
    if mode == "error":
        assert "INSTREAM size limit exceeded. ERROR" in caplog.text


def test_a_slow_scanner_times_out(clamd_fake, settings):
    clamd_fake.mode = "slow"
    settings.CLAMD_TIMEOUT = 0.3

    started = time.monotonic()
    with pytest.raises(ScannerUnavailable, match="TimeoutError"):
        scan(SECRET)

    assert time.monotonic() - started < 2  # the fake would have answered after 3 seconds


def test_a_file_over_clamds_stream_limit_is_not_clean(clamd_fake, caplog):
    clamd_fake.stream_max_length = 100_000  # clamd hangs up mid-stream

    with caplog.at_level(logging.WARNING, logger="apps.applications.scanner"):
        with pytest.raises(ScannerUnavailable):
            scan(b"x" * (5 * CHUNK_SIZE))

    assert clamd_fake.streams == []
    assert "xxxx" not in caplog.text


def test_nothing_listening_is_unavailable(settings, caplog):
    with socket.socket() as probe:  # a port that was free a moment ago, now closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_TIMEOUT = "127.0.0.1", port, 0.5

    with caplog.at_level(logging.WARNING, logger="apps.applications.scanner"):
        with pytest.raises(ScannerUnavailable, match="ConnectionRefusedError"):
            scan(SECRET)

    assert f"127.0.0.1:{port}" in caplog.text


def test_the_fake_answers_ping_and_refuses_unknown_commands(clamd_fake):
    for command, reply in ((b"zPING\0", b"PONG\0"), (b"nVERSION\n", b"UNKNOWN COMMAND\n")):
        with socket.create_connection((clamd_fake.host, clamd_fake.port), timeout=2) as sock:
            sock.sendall(command)
            assert sock.recv(100) == reply
