"""Two workers never interleave one citizen: messages processed side by side by several workers (threads
with their own database connections, as Celery's pools have) are answered once each, in the order the
citizen wrote them."""

import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.conversations.engine import texts
from apps.conversations.engine.process import inbound_message_process
from apps.conversations.inbound import inbound_message_store
from apps.conversations.models import Citizen, Conversation, Message
from tests.whatsapp.conftest import MAIN_NUMBER_ID


@pytest.mark.django_db(transaction=True)
def test_messages_processed_by_three_workers_at_once_are_answered_once_each_in_order(numbers):
    number = numbers[MAIN_NUMBER_ID]
    citizen = Citizen.objects.create(
        wa_id="919811155501", name="Ravi", language="en", consent_at=timezone.now(),
        consent_version=texts.CONSENT_VERSION,
    )  # fmt: skip
    Conversation.objects.create(citizen=citizen, number=number, last_inbound_at=timezone.now())
    written = timezone.now() - timedelta(seconds=30)
    # Filed in the opposite order to the one written in (Meta keeps no order): the time written decides.
    messages = [
        inbound_message_store(
            number=number,
            wamid=f"wamid.CONCURRENT{n}",
            wa_id=citizen.wa_id,
            user_id="",
            name="Ravi",
            type="text",
            text=f"status DLA26000000{n}",
            reply_id="",
            context_wamid="",
            sent_at=written + timedelta(seconds=n),
            media={},
            payload={},
        )  # fmt: skip
        for n in (3, 2, 1)
    ]
    start = threading.Barrier(len(messages))
    errors: list[BaseException] = []

    def worker(message_id: int) -> None:
        try:
            start.wait(5)
            inbound_message_process(message_id=message_id)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(message.pk,)) for message in messages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not errors
    replies = Message.objects.filter(direction="out", body__contains="DLA").order_by("pk")
    assert [re.search(r"DLA\d+", reply.body).group() for reply in replies] == [
        "DLA260000001", "DLA260000002", "DLA260000003"
    ]  # fmt: skip
    assert not Message.objects.filter(direction="in", processed_at__isnull=True).exists()
