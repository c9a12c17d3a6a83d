"""Benchmark: loading the catalogue, and an officer's catalogue pages in the admin.

    .venv/bin/python bench/catalogue.py            # the embedded SQLite default
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/catalogue.py

It makes a throwaway database (as the tests do), so it never touches var/govchat.sqlite3 or real data.
Prints wall time (median of N runs), queries per operation and the process's peak memory.
"""

import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govchat.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

RUNS = 5


def measure(label: str, fn, runs: int = RUNS) -> None:
    times, counter = [], []

    def count(execute, sql, params, many, context):
        counter.append(1)
        return execute(sql, params, many, context)

    for _ in range(runs):
        counter.clear()
        with connection.execute_wrapper(count):
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        if hasattr(result, "status_code"):
            assert result.status_code == 200, (label, result.status_code)
    queries = len(counter)
    print(
        f"{label:<50} median {statistics.median(times) * 1000:8.1f} ms"
        f"  (min {min(times) * 1000:.1f})  {queries:5d} queries"
    )


def main() -> None:
    from apps.departments.models import Department, Officer
    from apps.departments.services import officer_upsert
    from apps.services.models import Service
    from apps.services.services import catalogue_load

    print(f"database: {connection.vendor}, python {sys.version.split()[0]}, {os.cpu_count()} cores")
    measure("catalogue_load, empty database (first install)", catalogue_load, runs=1)
    measure("catalogue_load again (nothing changed: bin/run)", catalogue_load)
    Service.objects.filter(code__startswith="MCD-").update(sla_days=99)  # six services edited in the admin
    measure("catalogue_load with 6 admin-edited services", catalogue_load)

    client = Client()
    mcd = Department.objects.get(code="MCD")
    client.force_login(officer_upsert(username="bench.state", password="x" * 20, role=Officer.Role.STATE_ADMIN))
    birth = Service.objects.get(code="MCD-BIRTH")
    measure("admin: all 53 services, state admin", lambda: client.get("/admin/services/service/"))
    measure(
        "admin: one service with documents and fields",
        lambda: client.get(f"/admin/services/service/{birth.pk}/change/"),
    )
    client.force_login(
        officer_upsert(username="bench.mcd", password="x" * 20, role=Officer.Role.OFFICER, department=mcd)
    )
    measure("admin: MCD's services, MCD officer", lambda: client.get("/admin/services/service/"))
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        main()
    finally:
        teardown_databases(old, verbosity=0)
