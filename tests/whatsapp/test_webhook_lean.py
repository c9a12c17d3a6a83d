"""Meta's webhook as gunicorn serves it: `govchat.wsgi.application`, whose lean handler runs the webhook
behind only the middleware it needs. Called with the environ a WSGI server builds, so these tests go
through the same code as production (the test client goes through the URLconf and every middleware).

The handler closes obsolete database connections at the end of each request, as Django's does, so these
tests commit for real (transaction=True)."""

import io
import json
import sys
import time

import pytest
from django.db import connection

from apps.conversations.models import Message
from apps.whatsapp.models import WebhookEvent, WebhookUpdate
from apps.whatsapp.views import whatsapp_webhook
from govchat.celery import app as celery_app
from govchat.wsgi import LeanHandler, application
from tests.whatsapp.conftest import APP_SECRET, MAIN_NUMBER_ID, inbound, payload_bytes, signature

pytestmark = pytest.mark.django_db(transaction=True)
PATH = "/webhooks/whatsapp/"


def wsgi_call(app=application, *, body: bytes = b"", method: str = "POST", path: str = PATH, **headers: str):
    """(status, headers, content) of one request through a WSGI application, as gunicorn would make it."""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": headers.pop("query", ""),
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": headers.pop("host", "127.0.0.1:8000"), "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False, **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }  # fmt: skip
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=int(status.split()[0]), headers=dict(response_headers))

    response = app(environ, start_response)
    try:
        content = b"".join(response)
    finally:
        response.close()
    return answer["status"], answer["headers"], content


def signed_post(body: bytes, app=application, **headers: str):
    return wsgi_call(app, body=body, x_hub_signature_256=signature(body), **headers)


def test_a_signed_post_is_stored_once_and_acknowledged_with_a_plain_200(numbers):
    body = payload_bytes("text")

    first = signed_post(body)
    again = signed_post(body)  # Meta's retry of the same bytes

    assert first[0] == again[0] == 200 and first[2] == b"OK"
    assert first[1]["Content-Type"].startswith("text/plain") and first[1]["Content-Length"] == "2"
    assert WebhookEvent.objects.count() == 1 and WebhookUpdate.objects.count() == 1
    assert inbound().get().body == "mujhe janm praman patra chahiye"  # filed by the (eager) task


@pytest.mark.parametrize(
    "headers, status",
    [({}, 401), ({"x_hub_signature_256": signature(b"{}")}, 403),
     ({"x_hub_signature_256": signature(payload_bytes("text"), "not-the-app-secret")}, 403)],
)  # fmt: skip
def test_it_refuses_a_missing_or_bad_signature_and_stores_nothing(numbers, headers, status):
    answer = wsgi_call(body=payload_bytes("text"), **headers)

    assert answer[0] == status
    assert not WebhookEvent.objects.exists() and not Message.objects.exists()


def test_a_body_over_the_cap_is_a_413_and_is_not_stored(numbers, settings):
    body = json.dumps({"object": "whatsapp_business_account", "pad": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})

    answer = signed_post(body.encode())

    assert answer[0] == 413
    assert not WebhookEvent.objects.exists()


def test_a_signed_body_that_is_not_json_is_a_400(numbers):
    assert signed_post(b"{not json")[0] == 400
    assert not WebhookEvent.objects.exists()


def test_a_host_not_allowed_is_refused_as_on_every_other_route(numbers):
    answer = signed_post(payload_bytes("text"), host="evil.example")

    assert answer[0] == 400
    assert not WebhookEvent.objects.exists()


def test_the_handshake_is_answered_on_the_lean_path():
    answer = wsgi_call(
        method="GET", query="hub.mode=subscribe&hub.verify_token=test-verify-token&hub.challenge=1158201444"
    )

    assert answer[0] == 200 and answer[2] == b"1158201444"


def test_with_https_required_a_plain_http_post_is_redirected_not_stored(numbers, settings):
    settings.SECURE_SSL_REDIRECT = True
    lean = LeanHandler(whatsapp_webhook, settings.WEBHOOK_MIDDLEWARE)  # middleware reads settings when built

    answer = signed_post(payload_bytes("text"), app=lean)

    assert answer[0] == 301 and answer[1]["Location"] == f"https://127.0.0.1:8000{PATH}"
    assert not WebhookEvent.objects.exists()


def test_other_paths_still_go_through_every_middleware():
    answer = wsgi_call(method="GET", path="/admin/login/")

    assert answer[0] == 200 and answer[1]["X-Frame-Options"] == "DENY"  # XFrameOptionsMiddleware ran


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL server closing our connection")
def test_a_connection_the_database_closed_is_replaced_and_the_post_still_stored(numbers):
    connection.ensure_connection()
    with connection.connection.cursor() as ours:
        ours.execute("SELECT pg_backend_pid()")
        pid = ours.fetchone()[0]
    from psycopg import connect

    params = connection.get_connection_params()
    with connect(**{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])

    answer = signed_post(payload_bytes("text"))

    assert answer[0] == 200
    assert WebhookEvent.objects.count() == 1 and inbound().count() == 1


def test_what_the_lean_path_stores_is_filed_by_a_real_worker(numbers, celery_worker_process):
    queue = celery_worker_process(WHATSAPP_APP_SECRET=APP_SECRET)
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf["CELERY_TASK_DEFAULT_QUEUE"] = queue
    try:
        for n in range(3):
            payload = json.loads(payload_bytes("text"))
            message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
            message.update(id=f"wamid.LEAN{n:03d}", text={"body": f"sandesh {n}"}, timestamp=str(1790000000 + n))
            assert signed_post(json.dumps(payload).encode())[0] == 200
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and inbound().filter(processed_at__isnull=False).count() < 3:
            time.sleep(0.25)
    finally:
        celery_app.conf["CELERY_TASK_DEFAULT_QUEUE"] = default_queue

    filed = inbound().filter(processed_at__isnull=False).order_by("sent_at")
    assert list(filed.values_list("body", flat=True)) == ["sandesh 0", "sandesh 1", "sandesh 2"]
    assert filed.first().conversation.number.phone_number_id == MAIN_NUMBER_ID
    assert not WebhookUpdate.objects.filter(processed_at__isnull=True).exists()
