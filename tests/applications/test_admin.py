"""The officer's side of applications in the back office: the queue, the page, the buttons and the files."""

import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from apps.applications.models import Application, ApplicationDocument, ApplicationTransition
from apps.conversations.models import Message
from apps.departments.models import Officer
from apps.services.models import FormField
from tests.factories import (
    make_application,
    make_citizen,
    make_conversation,
    make_department,
    make_document,
    make_field,
    make_number,
    make_officer,
    make_service,
)

pytestmark = pytest.mark.django_db
State = Application.State
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the bytes only have to come back unchanged


@pytest.fixture
def world():
    mcd, rev = make_department(code="MCD"), make_department(code="REV")
    service = make_service(department=mcd, code="MCD-BIRTH", sla_days=7)
    make_document(service=service, code="proof_of_address")
    make_document(service=service, code="hospital_slip")
    make_field(service=service, key="applicant_name")
    FormField.objects.create(service=service, key="aadhaar", label_en="Aadhaar number", label_hi="आधार संख्या",
                             type=FormField.Type.AADHAAR)  # fmt: skip
    return {
        "mcd": mcd,
        "rev": rev,
        "service": service,
        "rev_service": make_service(department=rev, code="REV-INCOME"),
        "mcd_number": make_number(department=mcd),
        "rev_number": make_number(department=rev),
        "officer": make_officer(role=Officer.Role.OFFICER, department=mcd, username="mcd.officer"),
        "rev_officer": make_officer(role=Officer.Role.OFFICER, department=rev, username="rev.officer"),
        "auditor": make_officer(role=Officer.Role.AUDITOR, department=mcd, username="mcd.auditor"),
        "state_admin": make_officer(role=Officer.Role.STATE_ADMIN, username="state.admin"),
    }


def apply(world, *, days_ago: int = 0, state: str = State.SUBMITTED, service=None, **fields) -> Application:
    service = service or world["service"]
    number = world["mcd_number"] if service.department_id == world["mcd"].pk else world["rev_number"]
    conversation = make_conversation(citizen=make_citizen(**fields.pop("citizen", {})), number=number)
    return make_application(service=service, conversation=conversation, state=state,
                            submitted_at=timezone.now() - timedelta(days=days_ago), **fields)  # fmt: skip


def attach(application: Application, *, slot: str = "proof_of_address", content: bytes = PNG,
           content_type: str = "image/png") -> ApplicationDocument:  # fmt: skip
    document = ApplicationDocument(application=application, slot=slot, content_type=content_type, size=len(content),
                                   sha256=hashlib.sha256(content).hexdigest())  # fmt: skip
    document.file.save(f"{application.pk}-{slot}.png", ContentFile(content), save=False)
    document.save()
    return document


def url(name: str, *args) -> str:
    return reverse(f"admin:applications_application_{name}", args=args)


def act(client, django_capture_on_commit_callbacks, application, action: str, data: dict | None = None):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("act", application.pk, action), data or {}, follow=True)
    application.refresh_from_db()
    return response


def page_messages(response) -> str:
    return " | ".join(str(message) for message in response.context["messages"])


def told(application: Application) -> list[str]:
    return list(application.conversation.messages.filter(direction=Message.Direction.OUTBOUND)
                .values_list("body", flat=True))  # fmt: skip


# The queue.


def test_it_lists_overdue_ones_first_with_days_late_and_compensation(client, world):
    on_time = apply(world, days_ago=1)
    late = apply(world, days_ago=12)  # a 7-day clock: due 5 days ago
    closed = apply(world, days_ago=30, state=State.REJECTED, closed_at=timezone.now())
    draft = apply(world, state=State.DRAFT, citizen={"name": "Still Typing"})
    client.force_login(world["officer"])

    response = client.get(url("changelist"))

    page = response.content.decode()
    assert response.status_code == 200
    references = [row.reference for row in response.context["cl"].result_list]
    assert references == [late.reference, on_time.reference, closed.reference]
    assert "5 days late" in page and "₹50" in page and "6 days left" in page
    assert "Still Typing" not in page and draft.pk not in [row.pk for row in response.context["cl"].result_list]
    assert response.context["queue"] == {"overdue": 1, "due_soon": 0, "open": 2}


def test_it_shows_drafts_only_when_asked(client, world):
    apply(world, state=State.DRAFT, citizen={"name": "Still Typing"})
    client.force_login(world["officer"])

    assert "Still Typing" in client.get(url("changelist"), {"state": "draft"}).content.decode()


def test_it_filters_by_the_clock_and_searches_by_reference_and_number(client, world):
    on_time = apply(world, days_ago=0)
    soon = apply(world, days_ago=5, citizen={"wa_id": "919812345678"})
    late = apply(world, days_ago=12)
    client.force_login(world["officer"])

    def listed(**params) -> list[str]:
        return [row.reference for row in client.get(url("changelist"), params).context["cl"].result_list]

    assert listed(clock="overdue") == [late.reference]
    assert listed(clock="due_soon") == [soon.reference]
    assert listed(clock="on_time") == [on_time.reference]
    assert listed(q=late.reference) == [late.reference]
    assert listed(q="5678") == [soon.reference]


def test_it_shows_citizens_numbers_masked(client, world):
    apply(world, citizen={"wa_id": "919812345678", "name": "Asha Devi"})
    client.force_login(world["officer"])

    page = client.get(url("changelist")).content.decode()

    assert "Asha Devi" in page and "••••5678" in page and "9812345678" not in page


def test_it_lists_only_the_officers_department_but_all_for_the_state_admin(client, world):
    mcd, rev = apply(world), apply(world, service=world["rev_service"])
    client.force_login(world["officer"])
    officer_page = client.get(url("changelist"))
    client.force_login(world["state_admin"])
    state_page = client.get(url("changelist"))

    assert [a.pk for a in officer_page.context["cl"].result_list] == [mcd.pk]
    assert {a.pk for a in state_page.context["cl"].result_list} == {mcd.pk, rev.pk}
    assert "service__department__id__exact" in state_page.content.decode()  # the department filter
    assert "service__department__id__exact" not in officer_page.content.decode()


# The application's page.


def test_the_page_shows_answers_documents_history_and_the_buttons_for_its_state(client, world):
    application = apply(world, answers={"applicant_name": "Asha Devi", "aadhaar": "XXXX XXXX 4321",
                                        "_skipped_documents": ["hospital_slip"]})  # fmt: skip
    document = attach(application)
    pdf = attach(application, slot="hospital_slip", content=b"%PDF-1.4 slip", content_type="application/pdf")
    ApplicationTransition.objects.create(application=application, from_state="draft", to_state="submitted",
                                         actor="citizen", note="Submitted on WhatsApp")  # fmt: skip
    client.force_login(world["officer"])

    response = client.get(url("change", application.pk))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Full name" in page and "Asha Devi" in page and "XXXX XXXX 4321" in page
    assert "_skipped_documents" not in page
    assert f'<img src="{url("document", application.pk, document.pk)}"' in page
    assert f'<iframe src="{url("document", application.pk, pdf.pk)}"' in page
    assert "Submitted on WhatsApp" in page
    actions = [item["action"].name for item in response.context["application_actions"]]
    assert actions == ["review", "request_documents", "approve", "reject"]
    assert 'name="_save"' not in page  # nothing is edited by hand
    assert reverse("admin:conversations_conversation_change", args=[application.conversation_id]) in page


def test_the_page_labels_answers_in_the_officers_language(client, world):
    application = apply(world, answers={"applicant_name": "Asha Devi"})
    client.force_login(world["officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "hi"

    page = client.get(url("change", application.pk)).content.decode()

    assert "पूरा नाम" in page and "Full name" not in page


def test_it_has_no_add_or_delete(client, world):
    application = apply(world)
    client.force_login(world["state_admin"])

    assert client.get(url("add")).status_code == 403
    assert client.post(url("delete", application.pk), {"post": "yes"}).status_code == 403
    assert Application.objects.filter(pk=application.pk).exists()


# The buttons.


def test_start_review_records_the_officer(client, world, django_capture_on_commit_callbacks):
    application = apply(world)
    client.force_login(world["officer"])

    response = act(client, django_capture_on_commit_callbacks, application, "review")

    assert application.state == State.UNDER_REVIEW
    assert application.transitions.get().officer == world["officer"]
    assert "Under review" in page_messages(response)
    assert response.context["application"].state == State.UNDER_REVIEW


def test_request_documents_asks_the_citizen_on_whatsapp(client, world, django_capture_on_commit_callbacks):
    application = apply(world)
    client.force_login(world["officer"])
    note = "The address proof is cut off at the bottom; please send the whole page."

    act(client, django_capture_on_commit_callbacks, application, "request_documents",
        {"request_documents-slots": ["proof_of_address"], "request_documents-note": note})  # fmt: skip

    assert application.state == State.DOCUMENTS_REQUESTED
    assert application.requested_documents == ["proof_of_address"]
    transition = application.transitions.get()
    assert (transition.officer, transition.note, transition.to_state) == (world["officer"], note, "documents_requested")
    assert any(note in body for body in told(application))


def test_request_documents_needs_a_note(client, world, django_capture_on_commit_callbacks):
    application = apply(world)
    client.force_login(world["officer"])

    response = act(client, django_capture_on_commit_callbacks, application, "request_documents",
                   {"request_documents-slots": ["proof_of_address"], "request_documents-note": ""})  # fmt: skip

    assert application.state == State.SUBMITTED and not application.transitions.exists()
    assert "required" in page_messages(response)


def test_approve_tells_the_citizen(client, world, django_capture_on_commit_callbacks):
    application = apply(world, state=State.UNDER_REVIEW)
    client.force_login(world["officer"])

    act(client, django_capture_on_commit_callbacks, application, "approve", {"approve-note": "All papers in order."})

    assert application.state == State.APPROVED
    transition = application.transitions.get()
    assert (transition.officer, transition.note) == (world["officer"], "All papers in order.")
    assert any("approved" in body for body in told(application))


def test_reject_tells_the_citizen_the_reason(client, world, django_capture_on_commit_callbacks):
    application = apply(world, state=State.UNDER_REVIEW)
    client.force_login(world["officer"])
    reason = "The child was born outside Delhi; apply where the birth happened."

    act(client, django_capture_on_commit_callbacks, application, "reject", {"reject-reason": reason})

    assert application.state == State.REJECTED and application.rejection_reason == reason
    assert application.transitions.get().note == reason
    assert any(reason in body for body in told(application))


def test_reject_needs_a_reason(client, world, django_capture_on_commit_callbacks):
    application = apply(world, state=State.UNDER_REVIEW)
    client.force_login(world["officer"])

    response = act(client, django_capture_on_commit_callbacks, application, "reject", {"reject-reason": "  "})

    assert application.state == State.UNDER_REVIEW and not application.transitions.exists()
    assert response.context["messages"]


def test_an_illegal_move_shows_the_error_and_changes_nothing(client, world, django_capture_on_commit_callbacks):
    application = apply(world, state=State.REJECTED, closed_at=timezone.now())
    client.force_login(world["officer"])

    response = act(client, django_capture_on_commit_callbacks, application, "approve", {"approve-note": ""})

    assert application.state == State.REJECTED
    assert not application.transitions.exists() and told(application) == []
    assert "cannot become approved" in page_messages(response)
    assert response.context["application_actions"] == []  # a closed application offers no buttons


def test_issue_sends_the_certificate(client, world, django_capture_on_commit_callbacks):
    pytest.importorskip("apps.applications.certificates")
    application = apply(world, state=State.APPROVED, answers={"applicant_name": "Asha Devi"})
    client.force_login(world["officer"])
    page = client.get(url("change", application.pk))
    assert [item["action"].name for item in page.context["application_actions"]] == ["issue"]

    response = act(client, django_capture_on_commit_callbacks, application, "issue")

    assert application.state == State.ISSUED, page_messages(response)
    assert application.certificate.issued_by == world["officer"]
    certificate = client.get(url("certificate", application.pk))
    assert certificate["Content-Type"] == "application/pdf"
    assert b"".join(certificate.streaming_content).startswith(b"%PDF")


# Who may do what.


def test_another_departments_officer_gets_404_everywhere(client, world, django_capture_on_commit_callbacks):
    application = apply(world)
    document = attach(application)
    client.force_login(world["rev_officer"])

    assert client.get(url("change", application.pk)).status_code == 404
    assert client.get(url("document", application.pk, document.pk)).status_code == 404
    response = act(client, django_capture_on_commit_callbacks, application, "approve", {"approve-note": ""})
    assert response.status_code == 404
    assert application.state == State.SUBMITTED and not application.transitions.exists()


def test_an_auditor_reads_but_gets_no_buttons_and_403_on_a_post(client, world, django_capture_on_commit_callbacks):
    application = apply(world)
    client.force_login(world["auditor"])

    page = client.get(url("change", application.pk))
    response = act(client, django_capture_on_commit_callbacks, application, "approve", {"approve-note": ""})

    assert page.status_code == 200 and page.context["application_actions"] == []
    assert "<details" not in page.content.decode()
    assert response.status_code == 403
    assert application.state == State.SUBMITTED and not application.transitions.exists()


def test_actions_are_posted_not_fetched(client, world):
    application = apply(world)
    client.force_login(world["officer"])

    assert client.get(url("act", application.pk, "approve")).status_code == 405
    assert client.post(url("act", application.pk, "delete")).status_code == 404


# The citizens' files.


def test_the_file_view_serves_the_document_to_permitted_users_only(client, world):
    application = apply(world)
    document = attach(application)
    other = attach(apply(world), content=b"\x89PNG another citizen's")
    address = url("document", application.pk, document.pk)

    anonymous = client.get(address)
    client.force_login(world["officer"])
    response = client.get(address)
    wrong_pair = client.get(url("document", application.pk, other.pk))
    client.force_login(world["auditor"])
    auditor = client.get(address)
    client.force_login(world["state_admin"])
    state_admin = client.get(address)
    client.force_login(world["rev_officer"])
    outsider = client.get(address)

    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN" and "private" in response["Cache-Control"]
    assert wrong_pair.status_code == 404  # a document is reached only through its own application
    assert auditor.status_code == 200 and state_admin.status_code == 200
    assert outsider.status_code == 404


def test_the_file_view_never_renders_an_unexpected_type(client, world):
    application = apply(world)
    document = attach(application, content=b"<script>alert(1)</script>", content_type="text/html")
    client.force_login(world["officer"])

    response = client.get(url("document", application.pk, document.pk))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
