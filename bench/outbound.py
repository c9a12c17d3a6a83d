"""Benchmark: outbound messages per second from one worker process to the Graph API fake, and the cap.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/outbound.py
    .venv/bin/python bench/outbound.py --messages 3000 --threads 1,8,16

Runs the send task's own code (`delivery.outbound_deliver`: claim the row, pace, call Meta through the
heyoo backend with its pooled per-thread session, record the wamid) for queued rows, from one process
with 1 and with several threads, as a Celery worker with `--pool=threads` does. (A send mostly waits:
on Meta, whose answers take tens to hundreds of milliseconds, and on the database's commit; a worker
that sends one at a time cannot reach Meta's 80 messages a second per number.) The fake, a real HTTP
server on 127.0.0.1, runs in its own process, so it does not share this one's interpreter lock; the
broker hop is left out, being the same for any task. Then the default cap (WHATSAPP_MAX_MPS=80) is run
and the highest rate the fake saw in any one-second window is reported.
"""

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govchat.settings")
os.environ["DEBUG"] = "false"  # no query log: production runs without it
NUMBER_ID = "106540352242922"


def serve_fake() -> None:
    """The fake's own process: prints its base URL, then answers 'max_rate' and 'reset' lines on stdin."""
    from tests.fakes.graph.fake import GraphFake

    with GraphFake() as fake:
        print(fake.base_url, flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "max_rate":
                print(json.dumps([fake.max_rate(NUMBER_ID), len(fake.sent_messages(NUMBER_ID))]), flush=True)
            elif command == "reset":
                fake.reset()
                print("ok", flush=True)


class Fake:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-fake"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.base_url = self.process.stdout.readline().strip()

    def ask(self, command: str) -> str:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


def run(fake: Fake, count: int, cap: int, threads: int) -> tuple[float, float]:
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from apps.conversations import delivery
    from apps.conversations.models import Citizen, Conversation, Message
    from apps.departments.models import Department, WhatsAppNumber

    fake.ask("reset")
    with override_settings(
        WHATSAPP_BACKEND="heyoo", WHATSAPP_GRAPH_BASE_URL=fake.base_url, WHATSAPP_API_VERSION="v24.0",
        WHATSAPP_ACCESS_TOKEN="test-token", WHATSAPP_MAX_MPS=cap,
    ):  # fmt: skip
        department, _ = Department.objects.get_or_create(code="MCD", defaults={"name_en": "MCD", "name_hi": "एमसीडी"})
        number, _ = WhatsAppNumber.objects.get_or_create(
            phone_number_id=NUMBER_ID, defaults={"department": department, "display_number": "+911140000001"}
        )
        conversations = []
        for n in range(50):  # fifty citizens, as a busy number has
            citizen, _ = Citizen.objects.get_or_create(wa_id=f"9198765{n:05d}")
            conversation, _ = Conversation.objects.get_or_create(citizen=citizen, number=number)
            conversations.append(conversation)
        Conversation.objects.filter(number=number).update(last_inbound_at=timezone.now())
        rows = Message.objects.bulk_create(
            Message(conversation=conversations[n % 50], direction="out", type="text", status="queued",
                    payload={"type": "text", "text": {"body": f"आपका आवेदन DLA26{n:07d} स्वीकृत हो गया है।"}})
            for n in range(count)
        )  # fmt: skip
        work: queue.Queue[int] = queue.Queue()
        for row in rows:
            work.put(row.pk)

        def worker() -> None:
            try:
                while True:
                    try:
                        message_id = work.get_nowait()
                    except queue.Empty:
                        return
                    delivery.outbound_deliver(message_id=message_id)
            finally:
                connection.close()  # each thread has its own connection, as in Celery's threads pool

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        start, cpu = time.perf_counter(), time.process_time()
        if threads == 0:  # in this thread (for a profiler)
            while not work.empty():
                delivery.outbound_deliver(message_id=work.get_nowait())
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        sent = Message.objects.filter(pk__in=[r.pk for r in rows], status="sent").count()
        assert sent == count, f"only {sent} of {count} sent"
        peak, accepted = json.loads(fake.ask("max_rate"))
        assert accepted == count, f"the fake accepted {accepted} of {count}"
        return count / elapsed, peak, cpu / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--threads", default="1,8,16", help="thread counts to try, comma-separated")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake:
        return serve_fake()
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    fake = Fake()
    try:
        print(f"database: {connection.vendor}, {os.cpu_count()} cores, the Graph fake in its own process")
        counts = [int(t) for t in args.threads.split(",")]
        for threads in counts:
            rate, peak, cpu = run(fake, args.messages, cap=100_000, threads=threads)
            print(f"uncapped, {threads:2d} thread(s): {rate:7.0f} messages/s from one process"
                  f" ({cpu:.2f} ms of its CPU a message; peak 1 s window at the fake: {peak:.0f})")  # fmt: skip
        rate, peak, _ = run(fake, min(args.messages, 800), cap=80, threads=max(counts))
        print(f"cap 80/s, {max(counts)} threads: {rate:6.1f} messages/s; highest rate in any 1 s window: {peak:.1f}"
              f" ({(peak / 80 - 1) * 100:+.1f}%)")  # fmt: skip
    finally:
        fake.close()
        connection.close()
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
