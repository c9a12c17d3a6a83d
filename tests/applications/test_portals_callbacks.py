"""Status callbacks from department portals: signed, once per event, mapped to our states, never a 500."""

import json

import pytest
from django.urls import reverse

from apps.applications.models import Application, PortalCallbackEvent, PortalSubmission
from apps.conversations.models import Message
from apps.portals.config import portal_connection_secrets_set
from apps.portals.models import PortalConnection
from tests.factories import make_application, make_department, make_officer, make_service
from tests.fakes.portal import send_callback, sign

pytestmark = pytest.mark.django_db
SECRET = "callback-secret"


@pytest.fixture
def connection(settings):
    settings.PORTAL_DEMO_ENABLED = False
    row = PortalConnection.objects.create(connector="edistrict", base_url="http://127.0.0.1:9/", auth_type="none",
                                          status_map={"PENDING_SDM": "under_review"})  # fmt: skip
    portal_connection_secrets_set(connection=row, callback_secret=SECRET)
    return row


@pytest.fixture
def application(connection):
    service = make_service(department=make_department(code="REV"), code="REV-CASTE", fulfilment="portal",
                           connector="edistrict")  # fmt: skip
    return make_application(service=service, state="forwarded", portal_reference="ED000042")


def post(client, payload, capture, **kwargs):
    with capture(execute=True):
        return send_callback(client, "edistrict", payload, secret=kwargs.pop("secret", SECRET), **kwargs)


def outbound(application) -> list[str]:
    return list(
        Message.objects.filter(conversation=application.conversation, direction="out").values_list("body", flat=True)
    )


def test_a_signed_callback_moves_the_application_and_tells_the_citizen(
    client, application, django_capture_on_commit_callbacks
):
    payload = {"reference": "ED000042", "status": "PENDING_SDM", "note": "With the SDM", "event_id": "e1"}

    response = post(client, payload, django_capture_on_commit_callbacks)
    application.refresh_from_db()

    assert response.status_code == 200 and response.json() == {"result": "moved"}
    assert application.state == "under_review" and application.portal_status == "PENDING_SDM"
    transition = application.transitions.get(to_state="under_review")
    assert transition.actor == "portal" and transition.note == "With the SDM"
    assert any("now checking" in body for body in outbound(application))
    assert PortalCallbackEvent.objects.get().to_state == "under_review"


def test_a_callback_may_name_our_reference_as_citizens_write_it(
    client, application, django_capture_on_commit_callbacks
):
    ours = application.reference.lower()
    payload = {"reference": f"{ours[:3]}-{ours[3:5]}-{ours[5:]}", "status": "approved", "event_id": "e2"}

    response = post(client, payload, django_capture_on_commit_callbacks)
    application.refresh_from_db()

    assert response.status_code == 200 and application.state == "approved"


def test_documents_requested_and_rejected_carry_the_portals_note(
    client, application, django_capture_on_commit_callbacks
):
    post(client, {"reference": "ED000042", "status": "query_raised", "note": "Send a clearer photo", "event_id": "a"},
         django_capture_on_commit_callbacks)  # fmt: skip
    application.refresh_from_db()
    assert application.state == "documents_requested" and application.officer_note == "Send a clearer photo"
    assert any("Send a clearer photo" in body for body in outbound(application))

    post(client, {"reference": "ED000042", "status": "REJECTED", "note": "Not a resident", "event_id": "b"},
         django_capture_on_commit_callbacks)  # fmt: skip
    application.refresh_from_db()
    assert application.state == "rejected" and application.rejection_reason == "Not a resident"


def test_a_replayed_event_changes_nothing(client, application, django_capture_on_commit_callbacks):
    payload = {"reference": "ED000042", "status": "under_review", "event_id": "e3"}
    post(client, payload, django_capture_on_commit_callbacks)
    messages = len(outbound(application))

    replay = post(client, payload, django_capture_on_commit_callbacks)

    assert replay.status_code == 200 and replay.json() == {"result": "duplicate"}
    assert application.transitions.filter(to_state="under_review").count() == 1
    assert len(outbound(application)) == messages and PortalCallbackEvent.objects.count() == 1


def test_an_event_without_an_id_is_kept_once_by_its_body(client, application, django_capture_on_commit_callbacks):
    payload = {"reference": "ED000042", "status": "under_review"}

    first = post(client, payload, django_capture_on_commit_callbacks)
    second = post(client, payload, django_capture_on_commit_callbacks)

    assert first.json() == {"result": "moved"} and second.json() == {"result": "duplicate"}


def test_a_status_that_maps_to_nothing_is_recorded(client, application, django_capture_on_commit_callbacks):
    response = post(client, {"reference": "ED000042", "status": "FILE_MOVED", "event_id": "e4"},
                    django_capture_on_commit_callbacks)  # fmt: skip
    application.refresh_from_db()

    assert response.json() == {"result": "recorded"}
    assert application.state == "forwarded" and application.portal_status == "FILE_MOVED"


@pytest.mark.parametrize(
    ("body", "signature", "status"),
    [
        (b'{"reference": "ED000042", "status": "approved"}', None, 401),
        (b'{"reference": "ED000042", "status": "approved"}', "sha256=" + "0" * 64, 403),
        (b'{"reference": "ED000042", "status": "approved"}', "sha256=caf\u00e9", 403),
        (b"not json", "sign", 400),
        (b"[1, 2]", "sign", 400),
        (b'{"reference": "ED000042"}', "sign", 400),
        (b'{"reference": "ED999999", "status": "approved"}', "sign", 404),
    ],
)
def test_bad_callbacks_get_a_4xx_and_change_nothing(client, application, body, signature, status):
    headers = {}
    if signature is not None:
        headers["HTTP_X_PORTAL_SIGNATURE"] = sign(SECRET, body) if signature == "sign" else signature

    response = client.post("/portals/edistrict/callback/", data=body, content_type="application/json", **headers)
    application.refresh_from_db()

    assert response.status_code == status
    assert application.state == "forwarded" and application.portal_status == ""
    assert not PortalCallbackEvent.objects.exists()


def test_a_body_signed_with_another_secret_is_refused(client, application):
    response = send_callback(client, "edistrict", {"reference": "ED000042", "status": "approved"}, secret="guess")

    assert response.status_code == 403


def test_an_illegal_move_is_a_conflict_and_changes_nothing(client, application, django_capture_on_commit_callbacks):
    Application.objects.filter(pk=application.pk).update(state="rejected")

    response = post(client, {"reference": "ED000042", "status": "approved", "note": "x", "event_id": "e5"},
                    django_capture_on_commit_callbacks)  # fmt: skip
    application.refresh_from_db()

    assert response.status_code == 409
    assert application.state == "rejected" and application.portal_status == ""
    assert not PortalCallbackEvent.objects.exists()


def test_a_portal_cannot_move_another_portals_application(client, connection, django_capture_on_commit_callbacks):
    other = make_service(department=make_department(code="TPT"), code="TPT-DL", fulfilment="portal",
                         connector="parivahan")  # fmt: skip
    theirs = make_application(service=other, state="forwarded", portal_reference="PV123")

    response = post(client, {"reference": "PV123", "status": "approved"}, django_capture_on_commit_callbacks)
    theirs.refresh_from_db()

    assert response.status_code == 404 and theirs.state == "forwarded"


def test_unknown_portals_and_other_methods_are_not_500s(client, application):
    assert send_callback(client, "nosuchportal", {"reference": "x", "status": "y"}, secret=SECRET).status_code == 404
    assert client.get("/portals/edistrict/callback/").status_code == 405


def test_a_disabled_connection_takes_no_callbacks(client, application, connection):
    PortalConnection.objects.filter(pk=connection.pk).update(enabled=False)

    response = send_callback(client, "edistrict", {"reference": "ED000042", "status": "approved"}, secret=SECRET)

    assert response.status_code == 404


# The back office.


def test_officers_see_their_departments_flagged_submissions_and_send_them_again(
    client, application, django_capture_on_commit_callbacks
):
    submitted = make_application(service=application.service, state="submitted")
    row = PortalSubmission.objects.create(
        application=submitted, connector="edistrict", idempotency_key=submitted.reference, state="failed",
        last_error="HTTP 422",
    )  # fmt: skip
    elsewhere = make_officer(department=make_department(code="MCD"))
    own = make_officer(department=application.service.department)
    changelist = reverse("admin:applications_portalsubmission_changelist")

    client.force_login(elsewhere)
    assert submitted.reference not in client.get(changelist).content.decode()
    client.force_login(own)
    listed = client.get(changelist + "?flagged=yes")
    with django_capture_on_commit_callbacks(execute=False):
        client.post(changelist, {"action": "send_again", "_selected_action": [row.pk]})
    row.refresh_from_db()

    assert submitted.reference in listed.content.decode()
    assert row.state == "pending" and row.attempts == 0


def test_callback_bodies_are_signed_over_the_raw_bytes():
    body = json.dumps({"reference": "ED1", "status": "approved"}).encode()

    assert sign(SECRET, body) != sign(SECRET, body + b" ")
