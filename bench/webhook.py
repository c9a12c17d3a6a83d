"""Benchmark: webhook acknowledgements per second under gunicorn on PostgreSQL, beside a floor.

    .venv/bin/python bench/webhook.py [--seconds 15] [--connections 32] [--workers 4]

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; a database
govchat_bench is created and dropped), Redis for the Celery enqueue (CELERY_BROKER_URL, default
redis://127.0.0.1:6379/15) and wrk (apt-get install wrk). Each request is a distinct, validly signed
Meta payload with one text message, so every request stores a raw event, a citizen, a conversation and a
message, and queues processing after commit. The floor is a bare WSGI app under the same gunicorn
settings doing one INSERT of the raw body into the same server, so the figures say what Django, DRF and
our work cost above the machine's own limit. The load generator shares the 2 cores.
"""

import argparse
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-app-secret"
NUMBER_ID = "106540352242922"
FLOOR_APP = """
import os, psycopg
conn = None
def application(environ, start_response):
    global conn
    if conn is None:
        conn = psycopg.connect(os.environ["FLOOR_DSN"], autocommit=True)
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    conn.execute("INSERT INTO floor_events (body) VALUES (%s)", [body.decode()])
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"OK"]
"""
WRK_SCRIPT = """
local bodies, sigs = {}, {}
local n = 0
init = function(args)
  local f = io.open(args[1], "r")
  for line in f:lines() do
    local sig, body = line:match("^(%S+) (.*)$")
    n = n + 1; sigs[n] = sig; bodies[n] = body
  end
  f:close()
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  i = math.random(n)
end
request = function()
  i = i % n + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = sigs[i]}, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT p50=%.2f p99=%.2f\\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def payload(n: int) -> bytes:
    wa_id = f"9198{n % 500:08d}"
    return json.dumps(
        {"object": "whatsapp_business_account", "entry": [{"id": "114826593017462", "changes": [{"field": "messages",
         "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "911140000001",
         "phone_number_id": NUMBER_ID}, "contacts": [{"profile": {"name": f"Citizen {wa_id[-4:]}"}, "wa_id": wa_id}],
         "messages": [{"from": wa_id, "id": f"wamid.BENCH{n:012d}{os.getpid()}", "timestamp": str(int(time.time())),
         "type": "text", "text": {"body": "mujhe janm praman patra chahiye"}}]}}]}]},
        separators=(",", ":"),
    ).encode()  # fmt: skip


def bodies_file(count: int) -> str:
    path = tempfile.mktemp(suffix=".bodies")
    with open(path, "w") as f:
        for n in range(count):
            body = payload(n)
            sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            f.write(f"{sig} {body.decode()}\n")
    return path


def wait_for(port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on {port}")


def run_wrk(port: int, bodies: str, seconds: int, connections: int) -> tuple[float, float, float]:
    script = tempfile.mktemp(suffix=".lua")
    Path(script).write_text(WRK_SCRIPT)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script, f"http://127.0.0.1:{port}/webhooks/whatsapp/",
         "--", bodies], capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"  !! {errors.group(1)} non-2xx responses")
    p50, p99 = map(float, re.search(r"RESULT p50=([\d.]+) p99=([\d.]+)", out).groups())
    return rps, p50, p99


def gunicorn(app: str, port: int, workers: int, threads: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--keep-alive", "5", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="above 1, gunicorn's gthread worker (keep-alive)")
    args = parser.parse_args()
    admin_dsn = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    bench_dsn = admin_dsn.rsplit("/", 1)[0] + "/govchat_bench"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS govchat_bench")
        conn.execute("CREATE DATABASE govchat_bench")
    env = {**os.environ, "DATABASE_URL": bench_dsn, "WHATSAPP_APP_SECRET": SECRET, "DEBUG": "false",
           "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15"),
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
           "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING", "FLOOR_DSN": bench_dsn}  # fmt: skip
    python = str(ROOT / ".venv/bin/python")
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "shell", "-c",
         "from apps.departments.models import Department, WhatsAppNumber;"
         "d = Department.objects.create(code='MCD', name_en='MCD', name_hi='एमसीडी');"
         f"WhatsAppNumber.objects.create(department=d, phone_number_id='{NUMBER_ID}', display_number='+911140000001',"
         " label='bench')"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    with psycopg.connect(bench_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE floor_events (id bigserial primary key, body text not null)")
    bodies = bodies_file(200_000)
    floor_dir = Path(tempfile.mkdtemp())
    (floor_dir / "floorapp.py").write_text(FLOOR_APP)
    kind = f"gthread workers x {args.threads} threads" if args.threads > 1 else "sync workers"
    print(f"{os.cpu_count()} cores, {args.workers} gunicorn {kind}, {args.connections} connections, "
          f"{args.seconds} s each, wrk on the same machine")  # fmt: skip
    results = {}
    contenders = [
        ("floor: bare WSGI + one INSERT", "floorapp:application", {"PYTHONPATH": str(floor_dir)}),
        ("bare Django+DRF: INSERT+enqueue", "bare_django:application", {"PYTHONPATH": str(ROOT / "bench")}),
        ("govchat webhook", "govchat.wsgi:application", {}),
    ]
    for name, app, extra in contenders:
        server = gunicorn(app, 8391, args.workers, args.threads, {**env, **extra})
        try:
            wait_for(8391)
            time.sleep(1)
            run_wrk(8391, bodies, 3, args.connections)  # warm-up
            results[name] = run_wrk(8391, bodies, args.seconds, args.connections)
        finally:
            server.terminate()
            server.wait(timeout=30)
        rps, p50, p99 = results[name]
        print(f"{name:<32} {rps:8.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")
    with psycopg.connect(bench_dsn) as conn:
        stored = conn.execute("SELECT count(*) FROM conversations_message").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM whatsapp_webhookevent").fetchone()[0]
    print(f"stored: {events} webhook events, {stored} messages (duplicates of re-sent bodies are stored once)")
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute("DROP DATABASE govchat_bench WITH (FORCE)")
    os.unlink(bodies)


if __name__ == "__main__":
    sys.exit(main())
