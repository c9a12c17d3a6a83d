"""Applications at department portals: the outbox against a real HTTP fake, polling, and a submission to
the demo portal (over HTTP, through the live server)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.applications.models import Application, PortalSubmission
from apps.applications.portal_outbox import portal_submission_queue, portal_submission_retry, portal_submission_send
from apps.applications.tasks import portal_polls_sweep_task, portal_submissions_sweep_task
from apps.conversations.models import Message
from apps.portals.config import portal_connection_secrets_set
from apps.portals.models import PortalConnection
from apps.portals.services import portal_status_lookup
from tests.factories import make_application, make_department, make_service

pytestmark = pytest.mark.django_db
TOKEN = "portal-token-never-logged"
Outbox = PortalSubmission.State


@pytest.fixture
def connection(portal_fake, settings):
    settings.PORTAL_DEMO_ENABLED = False
    portal_fake.token = TOKEN
    row = PortalConnection.objects.create(
        connector="edistrict", base_url=portal_fake.base_url, auth_type="bearer", connect_timeout=1, read_timeout=0.5,
        field_map={"REV-INCOME": {"service": "INC01", "fields": {"applicant_name": "name"}}},
    )  # fmt: skip
    portal_connection_secrets_set(connection=row, secret=TOKEN, callback_secret="callback-secret")
    return row


@pytest.fixture
def service():
    return make_service(department=make_department(code="REV"), code="REV-INCOME", fulfilment="portal",
                        connector="edistrict")  # fmt: skip


def submitted(service, **fields) -> Application:
    return make_application(service=service, answers={"applicant_name": "Asha Devi", "ward": "12"}, **fields)


def queue(application, capture) -> PortalSubmission:
    with capture(execute=True):
        submission = portal_submission_queue(application=application)
    submission.refresh_from_db()
    application.refresh_from_db()
    return submission


def make_due(submission: PortalSubmission) -> None:
    PortalSubmission.objects.filter(pk=submission.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def outbound(application) -> list[str]:
    return list(
        Message.objects.filter(conversation=application.conversation, direction="out").values_list("body", flat=True)
    )


def test_portal_submission_queue_sends_forwards_and_tells_the_citizen(
    connection, service, portal_fake, django_capture_on_commit_callbacks
):
    application = submitted(service)

    submission = queue(application, django_capture_on_commit_callbacks)

    assert application.state == "forwarded"
    assert application.portal_reference == submission.portal_reference == "ED000001"
    assert submission.state == Outbox.SENT and submission.attempts == 1
    [request] = portal_fake.submissions()
    assert request.headers["idempotency-key"] == application.reference
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.json["service"] == "INC01" and request.json["fields"] == {"name": "Asha Devi", "ward": "12"}
    assert request.json["callback_url"].endswith("/portals/edistrict/callback/")
    assert application.transitions.get(to_state="forwarded").actor == "portal"
    assert any("online system" in body for body in outbound(application))


def test_portal_submission_queue_is_idempotent_and_skips_other_services(
    connection, service, portal_fake, django_capture_on_commit_callbacks
):
    application = submitted(service)
    queue(application, django_capture_on_commit_callbacks)
    again = queue(application, django_capture_on_commit_callbacks)
    by_officers = make_application(service=make_service(department=service.department))

    assert PortalSubmission.objects.count() == 1 and again.state == Outbox.SENT
    assert len(portal_fake.submissions()) == 1
    assert portal_submission_queue(application=by_officers) is None


def test_an_outage_keeps_the_application_and_retries_with_backoff_until_the_portal_is_back(
    connection, service, portal_fake, django_capture_on_commit_callbacks
):
    portal_fake.mode = "outage"
    application = submitted(service)

    submission = queue(application, django_capture_on_commit_callbacks)
    first_wait = submission.next_attempt_at - timezone.now()
    not_yet = portal_submission_send(submission_id=submission.pk)
    make_due(submission)
    with django_capture_on_commit_callbacks(execute=True):
        portal_submissions_sweep_task.delay()
    submission.refresh_from_db()
    second_wait = submission.next_attempt_at - timezone.now()

    assert application.state == "submitted" and submission.state == Outbox.PENDING
    assert not_yet == "not due" and submission.attempts == 2 and "503" in submission.last_error
    assert timedelta(seconds=50) < first_wait <= timedelta(minutes=1)
    assert timedelta(seconds=110) < second_wait <= timedelta(minutes=2)
    assert sum("not answering" in body for body in outbound(application)) == 1  # told once, not at every retry

    portal_fake.mode = "ok"
    make_due(submission)
    with django_capture_on_commit_callbacks(execute=True):
        portal_submissions_sweep_task.delay()
    portal_submission_send(submission_id=submission.pk)  # a late duplicate task
    submission.refresh_from_db()
    application.refresh_from_db()

    assert application.state == "forwarded" and application.portal_reference == "ED000001"
    assert submission.state == Outbox.SENT and submission.attempts == 3
    assert {r.headers["idempotency-key"] for r in portal_fake.submissions()} == {application.reference}
    assert len(portal_fake.references) == 1
    assert any("online system" in body for body in outbound(application))


def test_the_sweeper_sends_a_submitted_application_missed_at_submit(
    connection, service, portal_fake, django_capture_on_commit_callbacks
):
    application = submitted(service)
    drafted = make_application(service=service, state="draft")

    with django_capture_on_commit_callbacks(execute=True):
        portal_submissions_sweep_task.delay()
    application.refresh_from_db()

    assert application.state == "forwarded" and len(portal_fake.submissions()) == 1
    assert not PortalSubmission.objects.filter(application=drafted).exists()


def test_a_hindi_speaking_citizen_is_told_in_hindi_that_it_waits(
    connection, service, portal_fake, django_capture_on_commit_callbacks
):
    from tests.factories import make_citizen, make_conversation

    portal_fake.mode = "outage"
    application = submitted(service, conversation=make_conversation(citizen=make_citizen(language="hi")))

    queue(application, django_capture_on_commit_callbacks)

    assert any("ऑनलाइन सिस्टम अभी जवाब नहीं" in body for body in outbound(application))


def test_the_backoff_doubles_up_to_an_hour(connection, service, portal_fake, settings):
    settings.PORTAL_MAX_ATTEMPTS = 20
    portal_fake.mode = "outage"
    submission = PortalSubmission.objects.create(
        application=submitted(service), connector="edistrict", idempotency_key="K1"
    )
    waits = []
    for _ in range(8):
        make_due(submission)
        portal_submission_send(submission_id=submission.pk)
        submission.refresh_from_db()
        waits.append(round((submission.next_attempt_at - timezone.now()).total_seconds() / 60))

    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_slow_portal_is_unavailable_and_the_retry_reuses_the_key(
    connection, service, portal_fake, django_capture_on_commit_callbacks
):
    portal_fake.mode, portal_fake.slow_seconds = "slow", 2.0
    application = submitted(service)

    submission = queue(application, django_capture_on_commit_callbacks)

    assert submission.state == Outbox.PENDING and "in time" in submission.last_error
    assert application.state == "submitted"

    portal_fake.mode = "ok"
    make_due(submission)
    portal_submission_send(submission_id=submission.pk)
    application.refresh_from_db()

    assert application.state == "forwarded"
    assert [r.headers["idempotency-key"] for r in portal_fake.submissions()] == [application.reference] * 2


def test_a_malformed_answer_is_unavailable(connection, service, portal_fake, django_capture_on_commit_callbacks):
    portal_fake.mode = "malformed"

    submission = queue(submitted(service), django_capture_on_commit_callbacks)

    assert submission.state == Outbox.PENDING and "not a JSON object" in submission.last_error
    assert submission.application.state == "submitted"


def test_a_refusal_is_flagged_for_an_officer_and_not_retried(
    connection, service, portal_fake, django_capture_on_commit_callbacks
):
    portal_fake.mode = "refuse"
    application = submitted(service)

    submission = queue(application, django_capture_on_commit_callbacks)
    make_due(submission)
    swept = portal_submissions_sweep_task.delay().get()

    assert submission.state == Outbox.FAILED and "district does not match" in submission.last_error
    assert application.state == "submitted" and swept == 0 and len(portal_fake.submissions()) == 1

    portal_fake.mode = "ok"
    with django_capture_on_commit_callbacks(execute=True):
        assert portal_submission_retry(submission=submission)
    application.refresh_from_db()

    assert application.state == "forwarded"


def test_after_the_last_attempt_it_is_flagged_and_stays_submitted(
    connection, service, portal_fake, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_MAX_ATTEMPTS = 2
    portal_fake.mode = "outage"
    submission = queue(submitted(service), django_capture_on_commit_callbacks)
    make_due(submission)

    portal_submission_send(submission_id=submission.pk)
    submission.refresh_from_db()

    assert submission.state == Outbox.FAILED and submission.last_error.startswith("Gave up after 2 attempts")
    assert submission.application.state == "submitted"


def test_a_row_being_sent_is_not_sent_again_until_it_is_stale(connection, service, portal_fake):
    submission = PortalSubmission.objects.create(
        application=submitted(service), connector="edistrict", idempotency_key="K2", state=Outbox.SENDING,
        claimed_at=timezone.now(),
    )  # fmt: skip

    assert portal_submission_send(submission_id=submission.pk) == "not due"

    PortalSubmission.objects.filter(pk=submission.pk).update(claimed_at=timezone.now() - timedelta(minutes=11))

    assert portal_submission_send(submission_id=submission.pk) == "sent"


def test_a_portal_reference_given_twice_is_flagged(connection, service, portal_fake):
    make_application(service=service, state="forwarded", portal_reference="ED000001")
    submission = PortalSubmission.objects.create(
        application=submitted(service), connector="edistrict", idempotency_key="K3"
    )

    assert portal_submission_send(submission_id=submission.pk) == "flagged"
    submission.refresh_from_db()
    assert submission.portal_reference is None and "another application" in submission.last_error


def test_without_a_connection_the_application_waits(service, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_DEMO_ENABLED, settings.PORTAL_CONNECTIONS = False, {}

    submission = queue(submitted(service), django_capture_on_commit_callbacks)

    assert submission.state == Outbox.PENDING and "No portal connection" in submission.last_error


def test_a_broken_connection_is_counted_and_flagged_not_left_sending(
    connection, service, portal_fake, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_MAX_ATTEMPTS = 1
    PortalConnection.objects.filter(pk=connection.pk).update(submit_path="{nope}/")

    submission = queue(submitted(service), django_capture_on_commit_callbacks)

    assert submission.state == Outbox.FAILED and "KeyError" in submission.last_error


def test_a_connection_can_come_from_the_settings(service, portal_fake, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_DEMO_ENABLED = False
    settings.PORTAL_CONNECTIONS = {"edistrict": {"base_url": portal_fake.base_url, "auth_type": "api_key",
                                                 "secret": "key-1", "read_timeout": 1}}  # fmt: skip

    submission = queue(submitted(service), django_capture_on_commit_callbacks)

    assert submission.state == Outbox.SENT
    assert portal_fake.submissions()[0].headers["x-api-key"] == "key-1"


def test_secrets_are_kept_encrypted_and_never_logged(
    connection, service, portal_fake, caplog, django_capture_on_commit_callbacks
):
    portal_fake.mode = "refuse"
    connection.refresh_from_db()

    queue(submitted(service), django_capture_on_commit_callbacks)

    assert connection.secret_encrypted and TOKEN not in connection.secret_encrypted
    assert "callback-secret" not in connection.callback_secret_encrypted
    assert caplog.records and TOKEN not in caplog.text


def test_polling_moves_applications_whose_callbacks_were_lost(
    connection, service, portal_fake, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_POLL_AFTER_MINUTES = 60
    application = submitted(service)
    submission = queue(application, django_capture_on_commit_callbacks)
    fresh = submitted(service)
    queue(fresh, django_capture_on_commit_callbacks)
    Application.objects.filter(pk=application.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    portal_fake.set_status(submission.portal_reference, "approved", "Approved by the SDM")

    with django_capture_on_commit_callbacks(execute=True):
        assert portal_polls_sweep_task.delay().get() == 1
    application.refresh_from_db()

    assert application.state == "approved" and application.portal_status == "approved"
    assert application.transitions.get(to_state="approved").actor == "portal"
    assert any("is approved" in body for body in outbound(application))
    assert [r.path for r in portal_fake.requests if r.method == "GET"] == ["/applications/ED000001/"]
    assert portal_polls_sweep_task.delay().get() == 0  # asked once per interval


def test_polling_a_portal_that_is_down_changes_nothing(
    connection, service, portal_fake, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_POLL_AFTER_MINUTES = 60
    application = submitted(service)
    queue(application, django_capture_on_commit_callbacks)
    Application.objects.filter(pk=application.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    portal_fake.mode = "outage"

    portal_polls_sweep_task.delay()
    application.refresh_from_db()

    assert application.state == "forwarded"


# The demo portal, called over HTTP by the real connector.


@pytest.mark.django_db(transaction=True)
def test_the_demo_portal_answers_status_services_and_takes_submissions(live_server, settings):
    settings.SITE_URL, settings.PORTAL_DEMO_ENABLED, settings.PORTAL_CONNECTIONS = live_server.url, True, {}
    department = make_department(code="DSW")
    pension = make_service(department=department, code="DSW-PENSION-STATUS", kind="status", fulfilment="portal",
                           connector="edistrict")  # fmt: skip
    apply = make_service(department=department, code="DSW-OLDAGE", fulfilment="portal", connector="edistrict")

    found = portal_status_lookup(service=pension, number="edpen-2024-001")
    missing = portal_status_lookup(service=pension, number="EDPEN9999999")
    application = make_application(service=apply)
    submission = portal_submission_queue(application=application)  # autocommit: the task ran on commit
    submission.refresh_from_db()
    application.refresh_from_db()

    assert found.found and "₹2,500" in found.status_text_en and ("Name", "नाम", "Ram Pyari") in found.details
    assert missing.found is False
    assert submission.state == Outbox.SENT and application.state == "forwarded"
    assert application.portal_reference.startswith("EDIS-")
