"""The heyoo backend against the Graph API fake: our real client, its timeouts, pooling and retry rules."""

import hashlib
import socket
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.conversations import delivery, outbound
from apps.conversations.media import media_download
from apps.conversations.models import Citizen, Conversation, Message
from apps.departments.services import whatsapp_number_token_set
from tests.whatsapp.conftest import MAIN_NUMBER_ID

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def meta(settings, graph_fake):
    settings.WHATSAPP_BACKEND = "heyoo"
    settings.WHATSAPP_GRAPH_BASE_URL = graph_fake.base_url
    settings.WHATSAPP_API_VERSION = "v24.0"
    settings.WHATSAPP_ACCESS_TOKEN = "test-token"
    settings.WHATSAPP_CONNECT_TIMEOUT, settings.WHATSAPP_READ_TIMEOUT = 1.0, 0.5
    return graph_fake


@pytest.fixture
def conversation(numbers):
    citizen = Citizen.objects.create(wa_id="919876543210", name="Sunita Devi", language="en")
    return Conversation.objects.create(
        citizen=citizen, number=numbers[MAIN_NUMBER_ID], last_inbound_at=timezone.now() - timedelta(minutes=1)
    )


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def send_text(conversation, body="Your application DLA260001234 is approved."):
        with django_capture_on_commit_callbacks(execute=True):
            message = outbound.text(conversation=conversation, body=body)
        message.refresh_from_db()
        return message

    return send_text


def test_a_message_reaches_meta_with_our_row_id_and_comes_back_with_metas_id(meta, conversation, send):
    message = send(conversation)

    [body] = meta.sent_messages(MAIN_NUMBER_ID)
    assert body["to"] == "919876543210" and body["type"] == "text"
    assert body["biz_opaque_callback_data"] == f"outbound:{message.pk}"
    assert message.status == "sent" and message.wamid == meta.sent_wamids(MAIN_NUMBER_ID)[0]
    assert meta.requests[0].path.startswith("/v24.0/")  # not heyoo's expired v14.0


def test_the_graph_api_version_comes_from_settings(meta, conversation, send, settings):
    settings.WHATSAPP_API_VERSION = "v14.0"  # what heyoo hard-codes: long expired

    message = send(conversation)

    assert message.status == "failed" and message.error_code == 2635 and message.needs_attention


def test_a_departments_own_token_overrides_the_global_one(meta, conversation, send, settings):
    settings.WHATSAPP_ACCESS_TOKEN = "someone-elses-token"
    meta.tokens = {"mcd-system-user-token"}
    whatsapp_number_token_set(number=conversation.number, token="mcd-system-user-token")

    assert send(conversation).status == "sent"
    assert meta.requests[0].headers["authorization"] == "Bearer mcd-system-user-token"


@pytest.mark.parametrize(
    "code, failures, waits",
    [(130429, 1, [2.0]), (131056, 2, [1.0, 4.0]), (131000, 1, [2.0])],  # 131056: Meta's 4^X seconds
)
def test_transient_errors_are_retried_with_backoff_until_sent(meta, conversation, code, failures, waits):
    meta.fail_next(code, times=failures)
    message = outbound.text(conversation=conversation, body="Your pension is credited.")  # queued, not yet sent

    retries = []
    while (result := delivery.outbound_deliver(message_id=message.pk)).retry_in is not None:
        retries.append(result.retry_in)

    message.refresh_from_db()
    assert result.sent and retries == waits
    assert message.status == "sent" and message.attempts == failures + 1
    assert len(meta.sent_messages(MAIN_NUMBER_ID)) == 1


@pytest.mark.parametrize("code", [131026, 132000, 132001, 190, 368])
def test_permanent_errors_fail_at_once_and_are_flagged(meta, conversation, send, code):
    meta.fail_next(code)

    message = send(conversation)

    assert (message.status, message.error_code, message.needs_attention, message.attempts) == ("failed", code, True, 1)
    assert len(meta.requests) == 1


def test_a_closed_window_holds_the_message_behind_the_reengagement_template(meta, conversation, send, settings):
    meta.fail_next(131047)

    message = send(conversation)

    assert message.status == "queued" and message.awaiting_window
    [template] = meta.sent_messages(MAIN_NUMBER_ID)
    assert template["type"] == "template" and template["template"]["name"] == settings.WHATSAPP_REENGAGEMENT_TEMPLATE
    assert template["template"]["language"]["code"] == "en"


def test_a_slow_meta_times_out_and_the_message_is_never_sent_twice(meta, conversation, send):
    meta.delay(1.5)  # longer than the 0.5 s read timeout: Meta may have sent it

    message = send(conversation)
    meta.delay(0)
    again = delivery.outbound_deliver(message_id=message.pk)

    assert message.status == "uncertain" and message.needs_attention
    assert again.sent is False
    assert len(meta.sent_messages(MAIN_NUMBER_ID)) == 1  # the one request that timed out


def test_an_html_error_page_is_not_taken_for_an_answer(meta, conversation, send):
    meta.error_next(502)

    message = send(conversation)

    assert message.status == "uncertain" and message.needs_attention


def test_an_unreachable_meta_is_retried_then_failed(meta, conversation, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.WHATSAPP_GRAPH_BASE_URL = f"http://127.0.0.1:{port}"  # nothing listens: connection refused
    message = outbound.text(conversation=conversation, body="Your pension is credited.")

    results = [delivery.outbound_deliver(message_id=message.pk) for _ in range(7)]

    message.refresh_from_db()
    assert [r.retry_in is not None for r in results] == [True] * 5 + [False, False]
    assert message.status == "failed" and message.attempts == 6 and message.needs_attention


def test_connections_to_meta_are_reused(meta, conversation, send):
    for n in range(8):
        send(conversation, body=f"Update {n}")

    assert len(meta.sent_messages(MAIN_NUMBER_ID)) == 8
    assert meta.connections_opened == 1


def test_the_per_number_cap_holds(meta, conversation, settings):
    settings.WHATSAPP_MAX_MPS = 25
    rows = [
        Message.objects.create(conversation=conversation, direction="out", type="text", status="queued",
                               payload={"type": "text", "text": {"body": f"Notice {n}"}})
        for n in range(50)
    ]  # fmt: skip

    for row in rows:
        assert delivery.outbound_deliver(message_id=row.pk).sent

    assert meta.max_rate(MAIN_NUMBER_ID) <= 25 * 1.05


def _inbound_document(conversation, media_id: str) -> Message:
    return Message.objects.create(
        conversation=conversation, direction="in", type="document", status="received", media_id=media_id,
        media_mime_type="application/pdf", wamid=f"wamid.{media_id}",
    )  # fmt: skip


def test_inbound_media_is_downloaded_checked_and_typed_from_its_bytes(meta, conversation):
    meta.add_media("1180254912", PDF, "image/jpeg")  # declared a photo; the bytes are a PDF
    message = _inbound_document(conversation, "1180254912")

    assert media_download(message_id=message.pk) is True
    assert media_download(message_id=message.pk) is False  # once

    message.refresh_from_db()
    assert message.media_mime_type == "application/pdf" and message.media_file.name.endswith(".pdf")
    assert message.media_file.read() == PDF
    assert meta.requests[-1].headers["authorization"] == "Bearer test-token"


def test_media_that_fails_metas_checksum_is_not_kept(meta, conversation):
    meta.add_media("1180254913", PDF, "application/pdf", sha256=hashlib.sha256(b"something else").hexdigest())
    message = _inbound_document(conversation, "1180254913")

    assert media_download(message_id=message.pk) is False

    message.refresh_from_db()
    assert not message.media_file and message.needs_attention and "sha256" in message.error_title


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_and_retries_after_metas_rate_limit(meta, celery_worker_process, numbers):
    from apps.conversations.tasks import outbound_send_task

    citizen = Citizen.objects.create(wa_id="919811122233", language="hi")
    conversation = Conversation.objects.create(citizen=citizen, number=numbers[MAIN_NUMBER_ID],
                                               last_inbound_at=timezone.now())  # fmt: skip
    queue = celery_worker_process(
        WHATSAPP_BACKEND="heyoo", WHATSAPP_GRAPH_BASE_URL=meta.base_url, WHATSAPP_API_VERSION="v24.0",
        WHATSAPP_ACCESS_TOKEN="test-token",
    )  # fmt: skip
    meta.fail_next(130429)
    message = Message.objects.create(conversation=conversation, direction="out", type="text", status="queued",
                                     payload={"type": "text", "text": {"body": "आपकी पेंशन जमा हो गई है।"}})  # fmt: skip

    outbound_send_task.apply_async((message.pk,), queue=queue)
    deadline = time.monotonic() + 60
    while Message.objects.get(pk=message.pk).status != "sent" and time.monotonic() < deadline:
        time.sleep(0.25)

    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2
    assert [b["text"]["body"] for b in meta.sent_messages(MAIN_NUMBER_ID)] == ["आपकी पेंशन जमा हो गई है।"]


def test_a_citizens_message_is_marked_read_at_meta(meta, conversation, django_capture_on_commit_callbacks):
    inbound = Message.objects.create(
        conversation=conversation, direction="in", type="text", status="processed", wamid="wamid.HBgMOTE5ODc2NTQzMjEw"
    )

    with django_capture_on_commit_callbacks(execute=True):
        outbound.mark_read(message=inbound)

    assert meta.read_receipts(MAIN_NUMBER_ID) == ["wamid.HBgMOTE5ODc2NTQzMjEw"]
    assert meta.requests[-1].path.startswith("/v24.0/")


def test_a_certificate_and_a_link_button_reach_meta_in_shapes_it_accepts(
    meta, conversation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = outbound.media(
            conversation=conversation,
            kind="document",
            link="https://govchat.example/c/1.pdf",
            filename="income_certificate_DLA260001234.pdf",
            caption="आपका आय प्रमाण पत्र",
        )
        link = outbound.link_button(
            conversation=conversation,
            body="Pay your property tax online",
            label="Pay property tax now on the MCD portal",
            url="https://mcdonline.example/pay",
        )

    document.refresh_from_db()
    link.refresh_from_db()
    assert document.status == "sent" and link.status == "sent"  # the fake checks Meta's shapes and limits
    sent = meta.sent_messages(MAIN_NUMBER_ID)
    assert sent[0]["document"]["filename"] == "income_certificate_DLA260001234.pdf"
    assert len(sent[1]["interactive"]["action"]["parameters"]["display_text"]) <= 20
    with pytest.raises(ValueError):
        outbound.media(conversation=conversation, kind="document", media_id="1", link="https://x.example/a.pdf")
