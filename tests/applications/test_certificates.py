"""Issuing a certificate: the printed lines, the stored PDF, the move to "issued", the WhatsApp document, and
revoking."""

import io

import pypdf
import pypdfium2
import pytest
from django.urls import reverse
from PIL import ImageStat

from apps.applications.certificates import certificate_issue, certificate_lines, certificate_revoke
from apps.applications.models import Application, ApplicationTransition, Certificate
from apps.conversations.models import Message
from apps.core.exceptions import ApplicationError
from apps.departments.models import Officer
from apps.services.models import FieldChoice, FormField
from tests.factories import (
    make_application,
    make_citizen,
    make_conversation,
    make_department,
    make_officer,
    make_service,
)

pytestmark = pytest.mark.django_db

PHONE, AADHAAR, EMAIL = "9876501234", "XXXX XXXX 4821", "asha.verma@example.in"
ANSWERS = {
    "applicant_name": "Asha Verma",
    "date_of_birth": "2019-03-12",
    "gender": "female",
    "resident": True,
    "mobile": PHONE,
    "aadhaar": AADHAAR,
    "email": EMAIL,
    "father_name": "रमेश वर्मा",
}
FIELDS = [
    ("applicant_name", "text", "Full name", "पूरा नाम"),
    ("date_of_birth", "date", "Date of birth", "जन्म तिथि"),
    ("gender", "choice", "Gender", "लिंग"),
    ("resident", "yesno", "Resident of Delhi", "दिल्ली के निवासी"),
    ("mobile", "phone", "Mobile number", "मोबाइल नंबर"),
    ("aadhaar", "aadhaar", "Aadhaar number", "आधार संख्या"),
    ("email", "email", "Email", "ईमेल"),
    ("father_name", "text", "Father's name", "पिता का नाम"),
]


def make_issuable(*, state: str = "approved", answers: dict | None = None, certificate_fields=None, fields=FIELDS,
                  citizen_language: str = "en"):  # fmt: skip
    """An application of a service with typed, labelled fields, and an officer of its department."""
    department = make_department(name_en="Revenue Department", name_hi="राजस्व विभाग")
    service = make_service(department=department, name_en="Income Certificate", name_hi="आय प्रमाण पत्र",
                           certificate_fields=certificate_fields or [])  # fmt: skip
    for position, (key, type_, label_en, label_hi) in enumerate(fields):
        field = FormField.objects.create(service=service, key=key, type=type_, label_en=label_en, label_hi=label_hi,
                                         position=position)  # fmt: skip
        if type_ == "choice":
            FieldChoice.objects.create(field=field, value="female", label_en="Female", label_hi="महिला")
            FieldChoice.objects.create(field=field, value="male", label_en="Male", label_hi="पुरुष", position=1)
    conversation = make_conversation(citizen=make_citizen(language=citizen_language, name="Ashu ✨"))
    application = make_application(service=service, conversation=conversation, state=state,
                                   answers=ANSWERS if answers is None else answers)  # fmt: skip
    officer = make_officer(department=department, first_name="Sunita", last_name="Rao")
    return application, officer


def issue(application, officer, capture):
    with capture(execute=True):
        return certificate_issue(application=application, officer=officer)


def pdf_bytes(certificate: Certificate) -> bytes:
    with certificate.file.open("rb") as handle:
        return handle.read()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def documents(application) -> list[Message]:
    return list(Message.objects.filter(conversation=application.conversation, type="document"))


def test_certificate_issue_stores_a_rendered_pdf_and_the_printed_lines(django_capture_on_commit_callbacks):
    application, officer = make_issuable()

    certificate = issue(application, officer, django_capture_on_commit_callbacks)

    assert Certificate.objects.get() == certificate
    assert certificate.issued_by == officer
    assert certificate.number.startswith(f"{application.service.code}/")
    number_year, digits = certificate.number.split("/")[1:]
    assert len(number_year) == 4 and len(digits) == 7 and digits.isdigit()
    assert len(certificate.token) >= 32
    assert certificate.file.name.endswith(certificate.number.replace("/", "-") + ".pdf")
    assert certificate.lines == [
        {"label_en": "Full name", "label_hi": "पूरा नाम", "value": "Asha Verma"},
        {"label_en": "Date of birth", "label_hi": "जन्म तिथि", "value": "12 March 2019"},
        {"label_en": "Gender", "label_hi": "लिंग", "value": "Female / महिला"},
        {"label_en": "Resident of Delhi", "label_hi": "दिल्ली के निवासी", "value": "Yes / हाँ"},
        {"label_en": "Father's name", "label_hi": "पिता का नाम", "value": "रमेश वर्मा"},
    ]
    data = pdf_bytes(certificate)
    assert data.startswith(b"%PDF")
    page = pypdfium2.PdfDocument(data)[0].render(scale=1).to_pil().convert("L")
    assert ImageStat.Stat(page).stddev[0] > 20  # not a blank page


def test_certificate_issue_prints_the_answers_but_never_phone_aadhaar_or_email(django_capture_on_commit_callbacks):
    application, officer = make_issuable()

    text = pdf_text(pdf_bytes(issue(application, officer, django_capture_on_commit_callbacks)))

    for printed in ("Asha Verma", "12 March 2019", "Female", application.reference, "Sunita Rao, Revenue Department"):
        assert printed in text
    for secret in (PHONE, "98765", AADHAAR, "4821", EMAIL):
        assert secret not in text
    assert "Ashu" not in text  # a name field is printed, so not the WhatsApp profile name


def test_certificate_issue_moves_to_issued_and_sends_the_status_and_the_pdf(django_capture_on_commit_callbacks):
    application, officer = make_issuable()

    certificate = issue(application, officer, django_capture_on_commit_callbacks)

    application.refresh_from_db()
    assert application.state == Application.State.ISSUED
    transition = ApplicationTransition.objects.get(application=application, to_state="issued")
    assert (transition.from_state, transition.actor, transition.officer) == ("approved", "officer", officer)
    outbound = Message.objects.filter(conversation=application.conversation, direction="out")
    status = outbound.get(type="text")
    assert "Income Certificate is ready" in status.body and "attached" in status.body
    (document,) = documents(application)
    pdf_url = "http://testserver" + reverse("documents:verify_pdf", args=[certificate.token, "certificate"])
    assert document.payload["document"]["link"].endswith(pdf_url.removeprefix("http://testserver"))
    assert document.payload["document"]["filename"] == f"income-certificate-{application.reference}.pdf"
    assert document.payload["document"]["caption"] == f"Income Certificate, application {application.reference}"
    assert document.purpose == "notification"


def test_certificate_issue_captions_the_document_in_the_citizens_language(settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://govchat.delhi.gov.in/"
    application, officer = make_issuable(citizen_language="hi")

    certificate = issue(application, officer, django_capture_on_commit_callbacks)

    (document,) = documents(application)
    assert document.payload["document"]["caption"] == f"आय प्रमाण पत्र, आवेदन {application.reference}"
    assert document.payload["document"]["link"] == (
        f"https://govchat.delhi.gov.in/verify/{certificate.token}/certificate.pdf"
    )


def test_certificate_issue_twice_gives_one_certificate_and_one_document(django_capture_on_commit_callbacks):
    application, officer = make_issuable()

    first = issue(application, officer, django_capture_on_commit_callbacks)
    second = issue(application, officer, django_capture_on_commit_callbacks)

    assert first == second and first.number == second.number
    assert Certificate.objects.count() == 1
    assert len(documents(application)) == 1
    assert ApplicationTransition.objects.filter(application=application, to_state="issued").count() == 1


@pytest.mark.parametrize("state", ["submitted", "under_review", "rejected", "draft"])
def test_certificate_issue_refuses_an_application_that_is_not_approved(state, django_capture_on_commit_callbacks):
    application, officer = make_issuable(state=state)

    with pytest.raises(ApplicationError, match="Only an approved application"):
        issue(application, officer, django_capture_on_commit_callbacks)

    application.refresh_from_db()
    assert application.state == state
    assert not Certificate.objects.exists()
    assert not Message.objects.filter(conversation=application.conversation, direction="out").exists()


def test_certificate_lines_follow_certificate_fields_in_their_order():
    application, _ = make_issuable(certificate_fields=["father_name", "date_of_birth", "aadhaar", "not_a_field"])

    lines = certificate_lines(application=application)

    assert [(line.label_en, line.value) for line in lines] == [
        ("Father's name", "रमेश वर्मा"),
        ("Date of birth", "12 March 2019"),
        ("Aadhaar number", AADHAAR),  # the department chose to print it (masked, as stored)
    ]


def test_certificate_lines_start_with_the_profile_name_only_when_the_service_asks_no_name():
    fields = [field for field in FIELDS if "name" not in field[0]]
    application, _ = make_issuable(fields=fields)

    lines = certificate_lines(application=application)

    assert [(line.label_en, line.label_hi, line.value) for line in lines[:2]] == [
        ("Name of the applicant", "आवेदक का नाम", "Ashu ✨"),
        ("Date of birth", "जन्म तिथि", "12 March 2019"),
    ]


def test_certificate_lines_skip_unanswered_fields_and_print_no():
    application, _ = make_issuable(answers={"applicant_name": "Asha Verma", "resident": False, "father_name": ""})

    lines = certificate_lines(application=application)

    assert [line.value for line in lines] == ["Asha Verma", "No / नहीं"]


def test_certificate_revoke_by_a_department_admin(django_capture_on_commit_callbacks):
    application, officer = make_issuable()
    certificate = issue(application, officer, django_capture_on_commit_callbacks)
    admin = make_officer(role=Officer.Role.DEPARTMENT_ADMIN, department=application.service.department)

    with pytest.raises(ApplicationError, match="reason"):
        certificate_revoke(certificate=certificate, officer=admin, reason="  ")
    with pytest.raises(ApplicationError, match="Only an admin"):
        certificate_revoke(certificate=certificate, officer=officer, reason="Issued in error")
    other = make_officer(role=Officer.Role.DEPARTMENT_ADMIN, department=make_department())
    with pytest.raises(ApplicationError, match="Only an admin"):
        certificate_revoke(certificate=certificate, officer=other, reason="Issued in error")
    revoked = certificate_revoke(certificate=certificate, officer=admin, reason=" Issued in error ")
    again = certificate_revoke(certificate=certificate, officer=admin, reason="Twice")

    assert revoked.revoked_at is not None and revoked.revoked_reason == "Issued in error"
    assert again.revoked_at == revoked.revoked_at and again.revoked_reason == "Issued in error"
