"""Benchmark: webhook acknowledgements per second under gunicorn on PostgreSQL, beside a floor.

    .venv/bin/python bench/webhook.py [--seconds 15] [--connections 32] [--workers 4] [--port 0]

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; a database named
after it, `<name>_bench`, or govchat_bench for `postgres`, is created and dropped), Redis for the Celery
enqueue and the drain flag (CELERY_BROKER_URL, default redis://127.0.0.1:6379/15; REDIS_URL, default
redis://127.0.0.1:6379/14) and wrk (Debian's package: apt-get install -y wrk). gunicorn is the one
beside the Python that runs this script; the port is a free one unless --port is given.

Each request is a distinct, validly signed Meta payload with one text message, so every request stores a
raw event and its update's key and wakes processing after commit (no worker runs: the citizen, the
conversation and the message are the worker's). The floor is a bare WSGI app under the same gunicorn
settings doing one INSERT of the raw body into the same server, so the figures say what Django and our
work cost above the machine's own limit; the bare Django+DRF view (bench/bare_django.py) does an INSERT
and a Celery enqueue. wrk reports p50 and p99 latency. The load generator shares the cores, so on a
shared machine the figures are indicative: compare within one run.
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


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn(app: str, port: int, workers: int, threads: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--keep-alive", "5", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="above 1, gunicorn's gthread worker (keep-alive)")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare Django+DRF view")
    args = parser.parse_args()
    port = args.port or free_port()
    admin_dsn = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    base, name = admin_dsn.rsplit("/", 1)
    bench_db = "govchat_bench" if name in ("", "postgres") else f"{name}_bench"
    bench_dsn = f"{base}/{bench_db}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{bench_db}"')
        conn.execute(f'CREATE DATABASE "{bench_db}"')
    env = {**os.environ, "DATABASE_URL": bench_dsn, "WHATSAPP_APP_SECRET": SECRET, "DEBUG": "false",
           "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15"),
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
           "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING", "FLOOR_DSN": bench_dsn}  # fmt: skip
    python = sys.executable
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
    if args.no_bare:
        del contenders[1]
    for name, app, extra in contenders:
        server = gunicorn(app, port, args.workers, args.threads, {**env, **extra})
        try:
            wait_for(port)
            time.sleep(1)
            run_wrk(port, bodies, 3, args.connections)  # warm-up
            results[name] = run_wrk(port, bodies, args.seconds, args.connections)
        finally:
            server.terminate()
            server.wait(timeout=30)
        rps, p50, p99 = results[name]
        print(f"{name:<32} {rps:8.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")
    floor = results[contenders[0][0]][0]
    for name, _, _ in contenders[1:]:
        print(f"{name:<32} {results[name][0] / floor:8.2f} of the floor")
    with psycopg.connect(bench_dsn) as conn:
        events = conn.execute("SELECT count(*) FROM whatsapp_webhookevent").fetchone()[0]
        updates = conn.execute("SELECT count(*) FROM whatsapp_webhookupdate").fetchone()[0]
    print(f"stored: {events} webhook events, {updates} updates (a re-sent body is stored once; no worker runs)")
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{bench_db}" WITH (FORCE)')
    os.unlink(bodies)


if __name__ == "__main__":
    sys.exit(main())
