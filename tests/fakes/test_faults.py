"""The faults every fake shares (tests/fakes/base.py), over real connections (no database).

What a test author relies on: a hung call is held and visibly so, while the same fake answers other calls;
it ends in a closed connection, at once when the fake closes; a dropped call gets no answer; an error comes in
the system's own shape; a delay slows only the replies it was set for.
"""

import socket
import threading
import time

import pytest
import requests

from tests.fakes.clamd import ClamdFake
from tests.fakes.graph.fake import GraphFake
from tests.fakes.openai import OpenAIFake
from tests.fakes.portal import PortalFake
from tests.fakes.razorpay import RazorpayFake

HTTP_FAKES = [GraphFake, PortalFake, RazorpayFake, OpenAIFake]


def get(fake, timeout=2.0):
    return requests.get(fake.base_url, timeout=timeout)


def in_thread(call):
    """Run `call` in a thread; returns a function that joins it and gives back its exception (or None)."""
    outcome = []

    def run():
        try:
            call()
            outcome.append(None)
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join(timeout=5.0):
        thread.join(timeout)
        assert not thread.is_alive(), "the call is still waiting"
        return outcome[0]

    return join


@pytest.mark.parametrize("make", HTTP_FAKES)
def test_a_hung_call_is_held_while_the_fake_answers_others(make):
    with make() as fake:
        fake.hang(30)
        join = in_thread(lambda: get(fake, timeout=(1, 0.5)))

        assert fake.wait_held(1, timeout=2)
        started = time.monotonic()
        assert get(fake).status_code  # another citizen's call, meanwhile
        assert time.monotonic() - started < 1

        assert isinstance(join(), requests.ReadTimeout)  # the client's timeout decides, not the fake
        held, answered = fake.log
        assert (held.status, answered.status is not None) == (None, True)


@pytest.mark.parametrize("make", HTTP_FAKES)
def test_a_hang_ends_in_a_closed_connection_and_close_ends_it_at_once(make):
    fake = make().start()
    fake.hang(0.3)
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError):
        get(fake, timeout=5)
    assert 0.25 < time.monotonic() - started < 2

    fake.hang(30)
    join = in_thread(lambda: get(fake, timeout=10))
    assert fake.wait_held()
    started = time.monotonic()
    fake.close()
    assert isinstance(join(), requests.ConnectionError)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("make", HTTP_FAKES)
def test_a_dropped_call_gets_no_answer_and_the_next_does(make):
    with make() as fake:
        fake.drop_next()

        with pytest.raises(requests.ConnectionError):
            get(fake)
        assert get(fake).status_code
        assert [r.status is None for r in fake.log] == [True, False]


@pytest.mark.parametrize(
    ("make", "status", "shape"),
    [
        (GraphFake, 502, "text/html"),
        (PortalFake, 503, "text/html"),
        (RazorpayFake, 503, "text/html"),
        (RazorpayFake, 500, "application/json"),
        (OpenAIFake, 500, "application/json"),
    ],
)
def test_an_error_comes_in_the_systems_own_shape_then_answers_resume(make, status, shape):
    with make() as fake:
        fake.error_next(status, times=2)

        for _ in range(2):
            reply = get(fake)
            assert reply.status_code == status and reply.headers["Content-Type"].startswith(shape)
            assert reply.json()["error"] if shape == "application/json" else "<html>" in reply.text
        assert get(fake).status_code != status


@pytest.mark.parametrize("make", HTTP_FAKES)
def test_a_delay_for_one_reply_slows_that_one_only(make):
    with make() as fake:
        fake.delay(1.0, times=1)

        with pytest.raises(requests.ReadTimeout):
            get(fake, timeout=(1, 0.3))
        started = time.monotonic()
        get(fake)
        assert time.monotonic() - started < 0.5
        fake.release()  # the delayed reply goes out now, to a client that has given up


def test_reset_forgets_the_log_and_the_faults():
    with PortalFake() as fake:
        get(fake)
        fake.hang(30, times=None)
        fake.reset()

        assert fake.log == []
        assert get(fake).status_code == 404


def clamd_ping(fake, timeout=2.0) -> bytes:
    with socket.create_connection((fake.host, fake.port), timeout=timeout) as sock:
        sock.sendall(b"zPING\0")
        return sock.recv(100)


def clamd_scan(fake, content: bytes, timeout=2.0) -> bytes:
    with socket.create_connection((fake.host, fake.port), timeout=timeout) as sock:
        sock.sendall(b"zINSTREAM\0" + len(content).to_bytes(4, "big") + content + b"\0\0\0\0")
        return sock.recv(100)


def test_clamd_holds_a_scan_that_hangs_and_answers_others_meanwhile():
    with ClamdFake() as fake:
        fake.hang(30)
        join = in_thread(lambda: clamd_scan(fake, b"a file", timeout=0.5))

        assert fake.wait_held(1, timeout=2)
        assert clamd_scan(fake, b"another file") == b"stream: OK\0"
        assert isinstance(join(), TimeoutError)
        assert fake.streams == [b"a file", b"another file"]  # both read in full; one never answered


def test_clamd_drops_a_scan_and_delays_another():
    with ClamdFake() as fake:
        fake.drop_next()
        assert clamd_scan(fake, b"x") == b""  # closed without a word

        fake.delay(1.0)
        with pytest.raises(TimeoutError):
            clamd_scan(fake, b"x", timeout=0.3)
        assert clamd_ping(fake, timeout=0.3) == b"PONG\0"  # faults fall where a scan's verdict would
        fake.delay(0)
        assert clamd_scan(fake, b"x") == b"stream: OK\0"
