"""Benchmark: conversation turns per second through the engine, on one core.

    .venv/bin/python bench/conversation.py [--turns 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/conversation.py

A turn is what the worker does for one message a citizen typed: file it (`inbound_message_store`, as the
webhook's task does), then `inbound_message_process`: lock the conversation, understand the text offline,
move the state machine and queue the replies (to the filesystem broker in a scratch folder: in production
the sends are other tasks, on other cores). With `--send-inline` the queued tasks run inline instead, so
each reply's send through the outbox backend (and the read receipt) is counted too. Fifty citizens who
have chosen a language and consented write the labelled utterances of bench/understanding_utterances.jsonl
(Hindi, English, Hinglish, typos) in turn. One process, one thread: the figure is per core.
`bench/understanding.py` measures `understand` alone.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govchat.settings")
os.environ["WHATSAPP_BACKEND"] = "outbox"
os.environ["DEBUG"] = "false"  # no query log: production runs without it
os.environ["CELERY_BROKER_URL"] = "filesystem://"
os.environ.pop("REDIS_URL", None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--send-inline", action="store_true", help="run the reply's send task inline too")
    args = parser.parse_args()
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true" if args.send_inline else "false"
    os.environ.setdefault("GOVCHAT_VAR_DIR", tempfile.mkdtemp(prefix="govchat-bench-"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from apps.conversations.engine import texts
        from apps.conversations.engine.process import inbound_message_process
        from apps.conversations.inbound import inbound_message_store
        from apps.conversations.models import Citizen, Conversation, Message
        from apps.departments.models import WhatsAppNumber

        call_command("load_catalogue", verbosity=0)
        department = WhatsAppNumber._meta.get_field("department").related_model.objects.get(code="MCD")
        number = WhatsAppNumber.objects.create(
            department=department, phone_number_id="106540352242922", display_number="+911140000001", label="bench"
        )
        lines = (ROOT / "bench/understanding_utterances.jsonl").read_text(encoding="utf-8").splitlines()
        utterances = [json.loads(line) for line in lines if line.strip()]
        citizens = []
        for n in range(50):
            language = "hi" if n % 2 else "en"
            citizen = Citizen.objects.create(
                wa_id=f"9198111{n:05d}", name=f"Citizen {n}", language=language,
                consent_at=datetime.now(tz=UTC), consent_version=texts.CONSENT_VERSION,
            )  # fmt: skip
            Conversation.objects.create(citizen=citizen, number=number)
            citizens.append(citizen)

        def turn(n: int) -> None:
            citizen = citizens[n % len(citizens)]
            message = inbound_message_store(
                number=number, wamid=f"wamid.BENCHTURN{n:08d}", wa_id=citizen.wa_id, user_id="", name=citizen.name,
                type="text", text=utterances[n % len(utterances)]["text"], reply_id="", context_wamid="",
                sent_at=datetime.now(tz=UTC), media={}, payload={},
            )  # fmt: skip
            inbound_message_process(message_id=message.pk)

        for n in range(100):  # warm-up: the catalogue index, prepared statements
            turn(n)
        start, cpu = time.perf_counter(), time.process_time()
        for n in range(100, 100 + args.turns):
            turn(n)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        replies = Message.objects.filter(direction="out").count()
        how = "sent through the outbox, inline" if args.send_inline else "queued for the send task"
        answered = Message.objects.filter(direction="in", processed_at__isnull=False).count()
        print(f"database: {connection.vendor}; {len(utterances)} utterances from 50 citizens, one thread")
        print(f"{args.turns / elapsed:7.0f} turns/s  ({elapsed / args.turns * 1000:.2f} ms a turn, "
              f"{cpu / args.turns * 1000:.2f} ms of it CPU in this process)")  # fmt: skip
        print(f"{answered} messages processed, {replies} replies {how}")
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
