"""Benchmark: outbound messages per second from one process to the Graph API fake, and the per-number cap.

    .venv/bin/python bench/outbound.py [--messages 3000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/outbound.py

Runs the send task's own code (`gateway.outbound_deliver`: claim the row, pace, call Meta through the
heyoo backend with its pooled session, save the wamid) for queued rows, one after another, as one
worker process does, against the fake (a real HTTP server on 127.0.0.1 in this process's threads,
so it shares the machine's 2 cores). The broker hop is left out: it is the same for any task. Then
it runs again with the default cap (WHATSAPP_MAX_MPS=80) and reports the highest rate the fake saw in
any one-second window.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govchat.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    override_settings,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)


def run(count: int, cap: int) -> tuple[float, float]:
    from django.utils import timezone

    from apps.conversations.models import Citizen, Conversation, Message
    from apps.departments.models import Department, WhatsAppNumber
    from apps.whatsapp import gateway
    from tests.fakes.graph import GraphFake

    with GraphFake() as fake, override_settings(
        WHATSAPP_BACKEND="heyoo", WHATSAPP_GRAPH_BASE_URL=fake.base_url, WHATSAPP_API_VERSION="v24.0",
        WHATSAPP_ACCESS_TOKEN="test-token", WHATSAPP_MAX_MPS=cap,
    ):  # fmt: skip
        department, _ = Department.objects.get_or_create(code="MCD", defaults={"name_en": "MCD", "name_hi": "एमसीडी"})
        number, _ = WhatsAppNumber.objects.get_or_create(
            phone_number_id="106540352242922", defaults={"department": department, "display_number": "+911140000001"}
        )
        citizen, _ = Citizen.objects.get_or_create(wa_id="919876543210")
        conversation, _ = Conversation.objects.get_or_create(citizen=citizen, number=number)
        Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now())
        rows = Message.objects.bulk_create(
            Message(conversation=conversation, direction="out", type="text", status="queued",
                    payload={"type": "text", "text": {"body": f"आपका आवेदन DLA26{n:07d} स्वीकृत हो गया है।"}})
            for n in range(count)
        )  # fmt: skip
        start = time.perf_counter()
        for row in rows:
            gateway.outbound_deliver(message_id=row.pk)
        elapsed = time.perf_counter() - start
        sent = Message.objects.filter(pk__in=[r.pk for r in rows], status="sent").count()
        assert sent == count, f"only {sent} of {count} sent"
        return count / elapsed, fake.max_rate("106540352242922")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args()
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"database: {connection.vendor}, {os.cpu_count()} cores, fake in the same process")
        rate, peak = run(args.messages, cap=100_000)
        print(f"uncapped: {rate:7.0f} messages/s from one process (peak 1 s window at the fake: {peak:.0f})")
        rate, peak = run(min(args.messages, 800), cap=80)
        print(
            f"cap 80/s: {rate:7.1f} messages/s; highest rate in any 1 s window: {peak:.1f}"
            f" ({(peak / 80 - 1) * 100:+.1f}%)"
        )
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
