"""A department portal that hangs holds up only the turn that asked it: the conversation's row is not locked
while it waits, another citizen is answered meanwhile, and one citizen's messages are still answered in the
order they were written. Against the portal fake, a real HTTP server that answers slowly."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.conversations.engine import texts
from apps.conversations.engine.process import inbound_message_process
from apps.conversations.inbound import conversation_get_or_create, inbound_message_store
from apps.conversations.models import Citizen, Conversation, Message
from apps.portals.config import portal_connection_secrets_set
from apps.portals.models import PortalConnection
from apps.services.models import FormField
from tests.factories import make_department, make_number, make_service

pytestmark = pytest.mark.django_db(transaction=True)
HANG = 2.0  # seconds the portal takes to answer; its read timeout is longer, so it does answer


@pytest.fixture
def number(portal_fake, settings):
    settings.PORTAL_DEMO_ENABLED = False
    portal_fake.token = "mcd-token"
    row = PortalConnection.objects.create(connector="mcd", base_url=portal_fake.base_url, auth_type="bearer",
                                          connect_timeout=1, read_timeout=HANG + 3)  # fmt: skip
    portal_connection_secrets_set(connection=row, secret="mcd-token")
    department = make_department(code="MCD")
    service = make_service(department=department, code="MCD-PTAX", kind="pay", fulfilment="portal", connector="mcd")
    FormField.objects.create(service=service, key="upic", label_en="Property ID (UPIC)", label_hi="संपत्ति आईडी")
    lines = [{"label_en": "Property tax", "label_hi": "संपत्ति कर", "amount_paise": 485000}]
    portal_fake.add_dues("MCD-PTAX", "0701000123456", [{
        "demand_id": "PT-1", "description_en": "Property tax 2025-26", "description_hi": "संपत्ति कर 2025-26",
        "breakup": lines, "amount_paise": 485000}])  # fmt: skip
    portal_fake.mode, portal_fake.slow_seconds = "slow", HANG
    return make_number(department=department)


def citizen_at(number, wa_id: str, **state) -> Conversation:
    citizen = Citizen.objects.create(wa_id=wa_id, language="en", consent_at=timezone.now(),
                                     consent_version=texts.CONSENT_VERSION)  # fmt: skip
    conversation = conversation_get_or_create(citizen=citizen, number=number)
    Conversation.objects.filter(pk=conversation.pk).update(**state)
    return conversation


def write(conversation: Conversation, text: str, *, seconds_ago: int = 0) -> Message:
    citizen = conversation.citizen
    return inbound_message_store(
        number=conversation.number, wamid=f"wamid.{citizen.wa_id}.{time.monotonic_ns()}", wa_id=citizen.wa_id,
        user_id="", name="", type="text", text=text, reply_id="", context_wamid="", media={}, payload={},
        sent_at=timezone.now() - timedelta(seconds=seconds_ago),
    )  # fmt: skip


def replies(conversation: Conversation) -> list[str]:
    return list(conversation.messages.filter(direction=Message.Direction.OUTBOUND).order_by("id")
                .values_list("body", flat=True))  # fmt: skip


def in_thread(message: Message) -> threading.Thread:
    def run():
        try:
            inbound_message_process(message_id=message.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_hanging_portal_holds_neither_the_conversation_nor_another_citizen(number, portal_fake):
    paying = citizen_at(number, "919811100001", state="flow",
                        state_data={"flow": "pay", "service": "MCD-PTAX", "answers": {}, "step": "upic"})  # fmt: skip
    other = citizen_at(number, "919811100002", state="menu", state_data={})
    upic = write(paying, "0701000123456", seconds_ago=2)
    then = write(paying, "menu", seconds_ago=1)  # written after it, while the portal is still thinking

    started = time.monotonic()
    first = in_thread(upic)
    time.sleep(0.5)  # the turn has reached the portal, which will not answer for HANG seconds
    assert first.is_alive()

    # The paying citizen's conversation is not locked while the portal thinks: an officer taking it, or
    # the next message's worker, gets the row at once.
    took = time.monotonic()
    with transaction.atomic():
        locked = Conversation.objects.select_for_update(nowait=connection.features.has_select_for_update_nowait)
        locked.filter(pk=paying.pk).update(updated_at=timezone.now())
    assert time.monotonic() - took < 0.5

    # Another citizen is answered meanwhile.
    hello = write(other, "hello")
    answered = time.monotonic()
    assert inbound_message_process(message_id=hello.pk)
    assert time.monotonic() - answered < HANG / 2
    assert replies(other), "the other citizen got no answer while the portal hung"
    assert first.is_alive()

    # The paying citizen's next message, in another worker, waits for its turn rather than jumping ahead.
    second = in_thread(then)
    first.join(timeout=HANG * 4)
    second.join(timeout=HANG * 4)
    assert not first.is_alive() and not second.is_alive()
    assert time.monotonic() - started < HANG * 3  # held up by the portal's answer, not by a lock

    sent = replies(paying)
    dues = next(i for i, body in enumerate(sent) if "4,850" in body)
    menu = next(i for i, body in enumerate(sent) if "services" in body.lower() and i > dues)
    assert dues < menu, sent
    assert not paying.messages.filter(direction=Message.Direction.INBOUND, processed_at__isnull=True).exists()
    assert portal_fake.requests, "the portal was asked"


@pytest.mark.django_db(transaction=False)
def test_a_message_the_engine_fails_on_gets_an_apology_and_an_officer(number, caplog):
    # A state left by an older release, that this one cannot read: the engine raises on it.
    old = {"flow": "pay", "service": "MCD-PTAX", "answers": "old", "step": "upic"}
    broken = citizen_at(number, "919811100003", state="flow", state_data=old)
    message = write(broken, "0701000999999")

    with caplog.at_level("ERROR"):
        assert inbound_message_process(message_id=message.pk)

    [apology] = replies(broken)
    assert "officer will look at it" in apology and "अधिकारी" in apology  # both languages, English first
    assert apology.index("officer") < apology.index("अधिकारी")
    message.refresh_from_db()
    broken.refresh_from_db()
    assert message.processed_at and message.needs_attention and broken.needs_attention
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"Conversation {broken.pk}" in logged and "0701000999999" not in logged

    # Nothing is stuck: MENU works at once.
    assert inbound_message_process(message_id=write(broken, "menu").pk)
    assert len(replies(broken)) == 2 and "services" in replies(broken)[-1].lower()
