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

After the timed run, a separate pass (`--count-turns`, default 400) counts the SQL statements of each turn
through a connection execute wrapper, so the timed run pays nothing for it: the mean, median and p90 per
turn, per labelled intent of the utterance, and per module and function of ours that issued them (SQLite's
BEGIN and every SAVEPOINT are statements too and are counted; PostgreSQL's BEGIN and COMMIT are not sent
as statements). `--queries-detail` also prints the commonest statements.
"""

import argparse
import cProfile
import json
import os
import re
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
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
    parser.add_argument("--count-turns", type=int, default=400, help="turns of the query-counting pass (0: none)")
    parser.add_argument("--queries-detail", action="store_true", help="print the commonest statements too")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the timed run to FILE (pstats)")
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
        profiler = cProfile.Profile() if args.profile else None
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        for n in range(100, 100 + args.turns):
            turn(n)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        replies = Message.objects.filter(direction="out").count()
        how = "sent through the outbox, inline" if args.send_inline else "queued for the send task"
        answered = Message.objects.filter(direction="in", processed_at__isnull=False).count()
        print(f"database: {connection.vendor}; {len(utterances)} utterances from 50 citizens, one thread")
        print(f"{args.turns / elapsed:7.0f} turns/s  ({elapsed / args.turns * 1000:.2f} ms a turn, "
              f"{cpu / args.turns * 1000:.2f} ms of it CPU in this process)")  # fmt: skip
        print(f"{answered} messages processed, {replies} replies {how}")
        if args.count_turns:
            first = 100 + args.turns
            counted = queries_count(turn, range(first, first + args.count_turns), utterances)
            queries_print(counted, detail=args.queries_detail)
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)


class _Recorder:
    """An execute wrapper that notes each statement and the innermost function of ours that issued it."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, str]] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, _caller()))
        return execute(sql, params, many, context)


def _caller() -> str:
    apps = str(ROOT / "apps")
    for frame in reversed(traceback.extract_stack(limit=40)[:-2]):
        if frame.filename.startswith(apps) and not frame.filename.endswith("apps/core/db.py"):
            return f"{Path(frame.filename).relative_to(ROOT)}:{frame.name}"
    return "(outside apps/)"


def queries_count(turn, numbers: range, utterances: list[dict]) -> dict:
    """Run these turns with the recorder on: statements per turn, by the utterance's intent and by caller."""
    from django.db import connection

    per_turn, by_intent, by_caller, by_sql = [], defaultdict(list), Counter(), Counter()
    for n in numbers:
        recorder = _Recorder()
        with connection.execute_wrapper(recorder):
            turn(n)
        per_turn.append(len(recorder.statements))
        by_intent[utterances[n % len(utterances)].get("intent") or "?"].append(len(recorder.statements))
        for sql, caller in recorder.statements:
            by_caller[caller] += 1
            by_sql[(caller, _shape(sql))] += 1
    return {"per_turn": per_turn, "by_intent": by_intent, "by_caller": by_caller, "by_sql": by_sql}


def _shape(sql: str) -> str:
    sql = re.sub(r'"s\d+_x\d+"|s\d+_x\d+', "s…", sql)  # savepoint names
    return re.sub(r"\(%s(, %s)*\)", "(…)", sql)[:160]


def queries_print(counted: dict, *, detail: bool) -> None:
    per_turn, turns = counted["per_turn"], len(counted["per_turn"])
    deciles = statistics.quantiles(per_turn, n=10)
    print(f"{statistics.mean(per_turn):7.1f} SQL statements a turn (median {statistics.median(per_turn):g}, "
          f"p90 {deciles[-1]:g}, max {max(per_turn)}; {turns} turns counted apart from the timed run)")  # fmt: skip
    print("  by the utterance's intent: " + ", ".join(
        f"{intent} {statistics.mean(counts):.1f}" for intent, counts in sorted(counted["by_intent"].items())
    ))  # fmt: skip
    print("  by who issued them (a turn's mean):")
    for caller, count in counted["by_caller"].most_common():
        print(f"    {count / turns:5.2f}  {caller}")
    if detail:
        print("  the commonest statements (a turn's mean):")
        for (caller, sql), count in counted["by_sql"].most_common(40):
            print(f"    {count / turns:5.2f}  {caller}  {sql}")


if __name__ == "__main__":
    sys.exit(main())
