"""The citizen hears of every change to their application once: as text inside WhatsApp's 24-hour window,
through the approved status template outside it."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from apps.applications import services
from apps.applications.models import ApplicationTransition
from apps.conversations.models import Message
from tests.factories import (
    make_application,
    make_citizen,
    make_conversation,
    make_department,
    make_officer,
    make_service,
)

pytestmark = pytest.mark.django_db


def setup(*, hours_since_citizen_wrote: float, language: str = "en"):
    department = make_department()
    service = make_service(department=department, name_en="Income certificate", name_hi="आय प्रमाण पत्र", sla_days=7)
    wrote = timezone.now() - timedelta(hours=hours_since_citizen_wrote)
    conversation = make_conversation(citizen=make_citizen(language=language), last_inbound_at=wrote)
    application = make_application(service=service, conversation=conversation)
    return application, make_officer(department=department)


def outbound(application):
    return list(Message.objects.filter(conversation=application.conversation, direction="out").order_by("id"))


def test_inside_the_window_the_update_is_text_in_the_citizens_language(django_capture_on_commit_callbacks):
    application, officer = setup(hours_since_citizen_wrote=2, language="hi")
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(application=application, officer=officer, reason="आय का प्रमाण धुंधला है")
    [message] = outbound(application)
    assert message.type == "text" and message.purpose == "notification"
    assert f"आय प्रमाण पत्र के लिए आपका आवेदन {application.reference} मंज़ूर नहीं हुआ" in message.body
    assert "आय का प्रमाण धुंधला है" in message.body


def test_outside_the_window_the_approved_template_carries_reference_service_and_state(
    django_capture_on_commit_callbacks, settings
):
    application, officer = setup(hours_since_citizen_wrote=30)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(application=application, officer=officer)
    [message] = outbound(application)
    template = message.payload["template"]
    assert message.type == "template" and template["name"] == settings.WHATSAPP_STATUS_TEMPLATE
    assert template["language"]["code"] == "en"
    values = [p["text"] for p in template["components"][0]["parameters"]]
    with translation.override("en"):
        assert values == [application.reference, "Income certificate", "Approved"]
    assert not message.awaiting_window  # a template may go outside the window


def test_an_update_is_sent_once_even_if_its_task_runs_twice(django_capture_on_commit_callbacks):
    application, officer = setup(hours_since_citizen_wrote=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_review_start(application=application, officer=officer)  # no update for this one
        services.application_approve(application=application, officer=officer, note="All in order")
    transition = ApplicationTransition.objects.get(to_state="approved")
    assert services.application_notify(transition_id=transition.pk) is None  # the task again: nothing more
    assert [m.type for m in outbound(application)] == ["text"]
    assert transition.officer == officer and transition.note == "All in order"


def test_a_change_overtaken_before_its_update_went_sends_nothing(django_capture_on_commit_callbacks):
    application, officer = setup(hours_since_citizen_wrote=1)
    services.application_approve(application=application, officer=officer)  # its update not yet sent...
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(application=application, to="issued", actor="officer", officer=officer)
    approved = ApplicationTransition.objects.get(to_state="approved")
    assert services.application_notify(transition_id=approved.pk) is None  # ...and now it is stale
    [message] = outbound(application)
    assert "is ready" in message.body
