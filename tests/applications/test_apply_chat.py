"""Applying on WhatsApp, through the real webhook path: every question type with good and bad answers, the
documents and their checks, back / edit / cancel / menu, coming back after a break, expiry, the review,
submission, the status, and an officer asking for a document again."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from apps.applications import services as applications
from apps.applications.models import Application, ApplicationDocument
from apps.conversations.models import Message
from apps.services.models import FieldChoice, FormField, RequiredDocument, Service
from tests.factories import make_officer

CODE = "MCD-TESTFORM"
AADHAAR = "2345 6789 0124"  # Verhoeff-valid
AADHAAR_BAD = "2345 6789 0123"


def document_photo() -> bytes:
    """A photo of a page of text: white paper, lines of dark strokes."""
    image = Image.new("RGB", (900, 1200), "white")
    draw = ImageDraw.Draw(image)
    for row in range(60, 1150, 40):
        for col in range(60, 820, 90):
            draw.rectangle([col, row, col + 60 + (row * col) % 20, row + 12], fill=(30, 30, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def blank_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 1200), (5, 5, 5)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def form(catalogue, numbers):
    """A service of the MCD number with one question of every type and two documents."""
    from apps.departments.models import Department

    service = Service.objects.create(
        code=CODE, department=Department.objects.get(code="MCD"), kind="apply", fulfilment="officer",
        name_en="Test licence", name_hi="परीक्षण लाइसेंस", description_en="A licence.", description_hi="एक लाइसेंस।",
        eligibility_en="• Residents of Delhi", eligibility_hi="• दिल्ली के निवासी", how_to_en="Apply here.",
        how_to_hi="यहाँ आवेदन करें।", sla_days=7,
    )  # fmt: skip
    fields = [
        ("applicant_name", "text", "Full name", "पूरा नाम", True, {"min_length": 3}),
        ("date_of_birth", "date", "Date of birth", "जन्म तिथि", True, {"date": "past"}),
        ("gender", "choice", "Gender", "लिंग", True, {}),
        ("ward", "choice", "Ward", "वार्ड", True, {}),
        ("mobile", "phone", "Mobile number", "मोबाइल नंबर", True, {}),
        ("pincode", "pincode", "PIN code", "पिन कोड", True, {}),
        ("aadhaar", "aadhaar", "Aadhaar number", "आधार नंबर", True, {}),
        ("income", "number", "Annual income (₹)", "सालाना आय (₹)", True, {"min": 0, "max": 10000000}),
        ("email", "email", "Email", "ईमेल", False, {}),
        ("resident", "yesno", "Living in Delhi for 3 years?", "3 साल से दिल्ली में रहते हैं?", True, {}),
    ]
    for position, (key, type_, en, hi, required, validation) in enumerate(fields):
        field = FormField.objects.create(service=service, key=key, type=type_, label_en=en, label_hi=hi,
                                         required=required, validation=validation, position=position)  # fmt: skip
        if key == "gender":
            for i, (value, label_en, label_hi) in enumerate([("male", "Male", "पुरुष"), ("female", "Female", "महिला"),
                                                             ("other", "Other", "अन्य")]):  # fmt: skip
                FieldChoice.objects.create(field=field, value=value, label_en=label_en, label_hi=label_hi, position=i)
        if key == "ward":
            for i in range(5):
                FieldChoice.objects.create(field=field, value=f"ward_{i + 1}", label_en=f"Ward {i + 1}",
                                           label_hi=f"वार्ड {i + 1}", position=i)  # fmt: skip
    RequiredDocument.objects.create(service=service, code="proof_of_address", name_en="Proof of address",
                                    name_hi="पते का प्रमाण", accepted_types=["pdf", "jpg", "png"])  # fmt: skip
    RequiredDocument.objects.create(service=service, code="affidavit", name_en="Affidavit (only if late)",
                                    name_hi="शपथ पत्र (सिर्फ़ देर होने पर)", mandatory=False,
                                    accepted_types=["pdf", "jpg"], position=1)  # fmt: skip
    return service


def begin(phone, language="English"):
    phone.start(language)
    intro, ask = phone.tap_id(f"act:apply:{CODE}")
    return intro, ask


def answer_all_questions(phone, *, from_gender: bool = False):
    """Good answers to every question (from the first, or from the third); the replies to the last one."""
    if not from_gender:
        phone.tap("Start")
        phone.send("Sunita Devi")
        phone.send("12/03/1985")
    phone.tap("Female")
    phone.send("2")
    phone.send("98111 00001")
    phone.send("110092")
    phone.send(AADHAAR)
    phone.send("2,50,000")
    phone.tap("Skip")
    return phone.tap("Yes")


def test_a_citizen_applies_with_every_kind_of_answer_and_a_document(chat, form):
    phone = chat()
    intro, ask = begin(phone)
    assert intro.text.startswith("Applying for *Test licence*")
    assert "• Residents of Delhi" in intro.text and "There are 10 questions" in intro.text
    assert "• Proof of address" in intro.text and "Affidavit (only if late)" in intro.text
    [question] = phone.tap("Start")
    assert question.text.startswith("Question 1 of 12: *Full name*")

    [again] = phone.send("ab")  # too short: said why, and the same question again
    assert "at least 3" in again.text and "Question 1 of 12: *Full name*" in again.text
    [question] = phone.send("Sunita Devi")
    assert "Question 2 of 12: *Date of birth*" in question.text and "12/03/2019" in question.text

    [again] = phone.send("31/02/2019")
    assert "31/02/2019" in again.text and "Question 2 of 12" in again.text
    [choice] = phone.send("१२ मार्च १९८५")  # Devanagari digits and a Hindi month
    assert choice.titles == ["Male", "Female", "Other"]

    [wards] = phone.tap("Female")
    assert wards.rows and [title for _, title in wards.rows] == [f"Ward {i}" for i in range(1, 6)]
    [question] = phone.send("Ward 3")
    assert "*Mobile number*" in question.text
    [again] = phone.send("12345")
    assert "*Mobile number*" in again.text and "10" in again.text
    [question] = phone.send("+91 98111-00001")
    assert "*PIN code*" in question.text

    [again] = phone.send("400001")
    assert "110" in again.text and "Delhi" in again.text
    [question] = phone.send("110092")
    assert "*Aadhaar number*" in question.text
    [again] = phone.send(AADHAAR_BAD)
    assert "not valid" in again.text.lower()
    [question] = phone.send(AADHAAR)
    assert "*Annual income (₹)*" in question.text

    [again] = phone.send("a lot")
    assert "*Annual income (₹)*" in again.text
    [email] = phone.send("2,50,000")
    assert "*Email*" in email.text and email.titles == ["Skip"]
    [yesno] = phone.tap("Skip")
    assert yesno.titles == ["Yes", "No"]
    [document] = phone.tap("Yes")
    assert "Document 11 of 12: please send *Proof of address*" in document.text
    assert "up to 5 MB" in document.text

    [reminder] = phone.send("I will send it")  # text where a file is expected
    assert "Proof of address" in reminder.text and "📎" in reminder.text
    [refused] = phone.send_file(blank_photo())
    assert refused.text.startswith("This file was not accepted:") and "Proof of address" in refused.text
    [received] = phone.send_file(document_photo())
    assert received.text.startswith("Received: Proof of address (1 file(s))") and received.titles == ["Next", "Back"]
    [optional] = phone.tap("Next")
    assert "*Affidavit (only if late)*" in optional.text and optional.titles == ["Skip", "Back"]

    review, ask = phone.tap("Skip")
    assert "• Full name: Sunita Devi" in review.text
    assert "• Date of birth: 12 March 1985" in review.text
    assert "• Gender: Female" in review.text and "• Ward: Ward 3" in review.text
    assert "• Aadhaar number: XXXX XXXX 0124" in review.text and "2345" not in review.text
    assert "• Email: not given" in review.text
    assert "• Proof of address: 1 file(s)" in review.text and "• Affidavit (only if late): not given" in review.text
    assert ask.titles == ["Submit", "Change something", "Main menu"]

    done, options = phone.tap("Submit")
    assert options.titles == ["My applications", "Main menu"]
    reference = re.search(r"\*(DLA\d{9})\*", done.text).group(1)
    application = Application.objects.get(reference=reference)
    assert application.state == "submitted" and application.citizen.wa_id == phone.wa_id
    due = timezone.localdate() + timedelta(days=7)
    assert application.due_date == due
    assert f"must be delivered by *{due.day} {due:%B %Y}*" in done.text
    assert application.answers["date_of_birth"] == "1985-03-12" and application.answers["gender"] == "female"
    assert application.answers["ward"] == "ward_3" and application.answers["mobile"] == "9811100001"
    assert application.answers["income"] == 250000 and application.answers["resident"] is True
    assert application.answers["aadhaar"] == "XXXX XXXX 0124" and len(application.aadhaar_hash) == 64
    [document] = application.documents.all()
    assert document.slot == "proof_of_address" and document.content_type == "image/jpeg"
    assert document.file.read() == document_photo()
    # The full Aadhaar number is nowhere: not in the answers, not in what the citizen's messages keep.
    assert not Message.objects.filter(body__contains="6789 0124").exists()
    assert "6789" not in str(Application.objects.values_list("answers", flat=True).get(pk=application.pk))
    assert Message.objects.filter(body="XXXX XXXX 0124").get().aadhaar_hashes == {"0124": application.aadhaar_hash}

    [status] = phone.send(reference.lower())
    assert f"{reference} (Test licence): Submitted." in status.text
    assert f"Due by {due.day} {due:%B %Y}." in status.text


def test_back_and_edit_keep_every_answer(chat, form):
    phone = chat()
    begin(phone)
    phone.tap("Start")
    phone.send("Sunita Devi")
    phone.send("12/03/1985")
    [question] = phone.send("back")  # at the gender question: back to the date
    assert "*Date of birth*" in question.text
    application = Application.objects.get(citizen__wa_id=phone.wa_id, state="draft")
    assert application.answers["applicant_name"] == "Sunita Devi"
    assert application.answers["date_of_birth"] == "1985-03-12"
    [choice] = phone.send("1 April 1986")
    assert choice.titles == ["Male", "Female", "Other"]  # on to the next unanswered question

    # On to the review, then change one answer by name.
    answer_all_questions(phone, from_gender=True)
    phone.send_file(document_photo())
    phone.tap("Next")
    review, _ = phone.tap("Skip")
    assert "• Date of birth: 1 April 1986" in review.text
    [question] = phone.send("edit date of birth")
    assert "*Date of birth*" in question.text
    review, ask = phone.send("5/6/1990")
    assert "• Date of birth: 5 June 1990" in review.text and "• Full name: Sunita Devi" in review.text
    assert ask.titles[0] == "Submit"


def test_menu_keeps_the_draft_and_applying_again_offers_to_continue(chat, form):
    phone = chat()
    begin(phone)
    phone.tap("Start")
    phone.send("Sunita Devi")
    phone.send("menu")
    [resume] = phone.tap_id(f"act:apply:{CODE}")
    assert "You started an application for *Test licence*" in resume.text and "(1 of 12 steps done)" in resume.text
    assert resume.titles == ["Continue", "Start again", "Main menu"]
    [question] = phone.tap("Continue")
    assert "*Date of birth*" in question.text

    phone.send("menu")
    phone.tap_id(f"act:apply:{CODE}")
    intro, _ = phone.tap("Start again")
    assert intro.text.startswith("Applying for *Test licence*")
    states = sorted(Application.objects.filter(citizen__wa_id=phone.wa_id).values_list("state", flat=True))
    assert states == ["cancelled", "draft"]
    assert Application.objects.get(citizen__wa_id=phone.wa_id, state="draft").answers == {}


def test_a_citizen_back_after_hours_is_asked_before_their_message_is_read_as_an_answer(chat, form):
    phone = chat()
    begin(phone)
    phone.tap("Start")
    phone.send("Sunita Devi")
    Message.objects.filter(conversation__citizen__wa_id=phone.wa_id, direction="in").update(
        created_at=timezone.now() - timedelta(hours=5)
    )
    [resume] = phone.send("hello")
    assert "You started an application for *Test licence*" in resume.text
    assert Application.objects.get(citizen__wa_id=phone.wa_id).answers == {"applicant_name": "Sunita Devi"}
    [question] = phone.tap("Continue")
    assert "*Date of birth*" in question.text


def test_cancel_ends_the_draft_and_nothing_is_submitted(chat, form):
    phone = chat()
    begin(phone)
    phone.tap("Start")
    phone.send("Sunita Devi")
    [menu] = phone.send("cancel")
    assert menu.text.startswith("Cancelled.")
    application = Application.objects.get(citizen__wa_id=phone.wa_id)
    assert application.state == "cancelled" and application.reference is None
    assert application.transitions.get().to_state == "cancelled"


def test_a_draft_left_too_long_expires_and_the_citizen_is_told(chat, form, settings):
    settings.APPLICATION_DRAFT_DAYS = 15
    phone = chat()
    begin(phone)
    phone.tap("Start")
    phone.send("Sunita Devi")
    Application.objects.filter(citizen__wa_id=phone.wa_id).update(updated_at=timezone.now() - timedelta(days=16))
    assert applications.application_drafts_expire() == 1
    replies = phone.send("12/03/1985")
    assert replies[0].text.startswith("Your unfinished application was closed after 15 days")
    assert Application.objects.get(citizen__wa_id=phone.wa_id).state == "expired"


def test_a_required_document_cannot_be_skipped(chat, form):
    phone = chat()
    begin(phone)
    answer_all_questions(phone)
    [again] = phone.send("next")
    assert "Proof of address" in again.text
    assert not ApplicationDocument.objects.exists()


def test_the_journey_in_hindi(chat, form):
    phone = chat()
    intro, _ = begin(phone, "हिंदी")
    assert intro.text.startswith("*परीक्षण लाइसेंस* के लिए आवेदन।") and "• दिल्ली के निवासी" in intro.text
    [question] = phone.tap("शुरू करें")
    assert question.text.startswith("सवाल 1/12: *पूरा नाम*")
    phone.send("सुनीता देवी")
    [again] = phone.send("kal ke baad")
    assert "सवाल 2/12: *जन्म तिथि*" in again.text and re.search(r"[\u0900-\u097F]", again.text.split("सवाल")[0])
    [choice] = phone.send("१२/०३/१९८५")
    assert choice.titles == ["पुरुष", "महिला", "अन्य"]


def test_a_fee_means_the_application_waits_for_payment(chat, form):
    Service.objects.filter(code=CODE).update(fee=Decimal("50"))
    phone = chat()
    begin(phone)
    answer_all_questions(phone)
    phone.send_file(document_photo())
    phone.tap("Next")
    phone.tap("Skip")
    done, _ = phone.tap("Submit")
    assert "The fee is ₹50." in done.text and "must be delivered" not in done.text
    application = Application.objects.get(citizen__wa_id=phone.wa_id)
    assert application.state == "payment_pending" and application.due_date is None and application.fee == 50


def test_an_officer_asks_for_a_document_and_the_next_upload_lands_in_that_slot(
    chat, form, django_capture_on_commit_callbacks
):
    phone = chat()
    begin(phone)
    answer_all_questions(phone)
    phone.send_file(document_photo())
    phone.tap("Next")
    phone.tap("Skip")
    phone.tap("Submit")
    application = Application.objects.get(citizen__wa_id=phone.wa_id)
    officer = make_officer(department=form.department)
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_documents_request(application=application, officer=officer,
                                                   slots=["proof_of_address"],
                                                   note="The photo is cut off; send the whole bill.")  # fmt: skip
    [update] = phone.replies()
    assert "The photo is cut off; send the whole bill." in update.text and application.reference in update.text

    [status] = phone.send(application.reference)
    assert "Documents requested" in status.text and "send the whole bill" in status.text

    [thanks] = phone.send_file(document_photo())
    assert "Received for Proof of address." in thanks.text and "gone back to the officer" in thanks.text
    application.refresh_from_db()
    assert application.state == "under_review"
    assert application.documents.filter(slot="proof_of_address", requested=True).count() == 1
    assert application.documents.filter(slot="proof_of_address").count() == 2


@pytest.fixture
def portal(settings, portal_fake):
    from apps.portals.config import portal_connection_secrets_set
    from apps.portals.models import PortalConnection

    fake = portal_fake
    settings.PORTAL_DEMO_ENABLED = False
    row = PortalConnection.objects.create(connector="mcd", base_url=fake.base_url, auth_type="bearer",
                                          connect_timeout=1, read_timeout=0.5)  # fmt: skip
    fake.token = "portal-token"
    portal_connection_secrets_set(connection=row, secret="portal-token", callback_secret="callback-secret")
    return fake


def submit_complete(phone):
    begin(phone)
    answer_all_questions(phone)
    phone.send_file(document_photo())
    phone.tap("Next")
    phone.tap("Skip")
    return phone.tap("Submit")


def test_a_portal_service_goes_to_the_portal_and_the_citizen_hears_when_it_is_received(chat, form, portal):
    Service.objects.filter(code=CODE).update(fulfilment="portal", connector="mcd")
    phone = chat()
    done, _, update = submit_complete(phone)  # the outbox sent it after commit (an eager worker in tests)
    assert "It is being sent to the department's online system (MCD online services)" in done.text
    application = Application.objects.get(citizen__wa_id=phone.wa_id)
    assert application.state == "forwarded" and application.portal_reference
    assert f"Your application {application.reference} for Test licence has been sent" in update.text
    [submission] = portal.submissions()
    assert submission.headers["idempotency-key"] == application.reference
    assert "Sunita Devi" in str(submission.json) and "6789" not in str(submission.json)


def test_a_portal_that_is_down_loses_nothing_and_the_citizen_is_told_it_waits(chat, form, portal):
    Service.objects.filter(code=CODE).update(fulfilment="portal", connector="mcd")
    portal.mode = "outage"
    phone = chat()
    done, _, waiting = submit_complete(phone)
    application = Application.objects.get(citizen__wa_id=phone.wa_id)
    assert application.state == "submitted" and application.portal_reference is None
    assert application.portal_submission.state == "pending" and application.portal_submission.attempts == 1
    assert application.reference in waiting.text and "will be sent to it automatically" in waiting.text

    portal.mode = "ok"  # back: the sweeper's next turn sends it
    from apps.applications.models import PortalSubmission
    from apps.applications.portal_outbox import portal_submission_send

    PortalSubmission.objects.filter(pk=application.portal_submission.pk).update(next_attempt_at=timezone.now())
    portal_submission_send(submission_id=application.portal_submission.pk)
    application.refresh_from_db()
    assert application.state == "forwarded" and len(portal.submissions()) == 2
    assert {s.headers["idempotency-key"] for s in portal.submissions()} == {application.reference}


def test_a_long_list_of_choices_pages_and_any_row_can_be_picked(chat, form):
    ward = FormField.objects.get(service=form, key="ward")
    for i in range(5, 12):
        FieldChoice.objects.create(field=ward, value=f"ward_{i + 1}", label_en=f"Ward {i + 1}",
                                   label_hi=f"वार्ड {i + 1}", position=i)  # fmt: skip
    phone = chat()
    begin(phone)
    phone.tap("Start")
    phone.send("Sunita Devi")
    phone.send("12/03/1985")
    [first] = phone.tap("Female")
    titles = [title for _, title in first.rows]
    assert titles[:9] == [f"Ward {i}" for i in range(1, 10)] and len(titles) == 10  # 9 and "more"
    [second] = phone.tap(titles[-1])
    assert [title for _, title in second.rows] == ["Ward 10", "Ward 11", "Ward 12"]
    [question] = phone.tap("Ward 11")
    assert "*Mobile number*" in question.text
    assert Application.objects.get(citizen__wa_id=phone.wa_id).answers["ward"] == "ward_11"


def test_applying_again_after_the_draft_went_stale_starts_afresh(chat, form, settings):
    settings.APPLICATION_DRAFT_DAYS = 15
    phone = chat()
    begin(phone)
    phone.tap("Start")
    phone.send("Sunita Devi")
    phone.send("menu")
    Application.objects.filter(citizen__wa_id=phone.wa_id).update(updated_at=timezone.now() - timedelta(days=16))
    intro, _ = phone.tap_id(f"act:apply:{CODE}")  # before the nightly sweep has closed it
    assert intro.text.startswith("Applying for *Test licence*")
    [question] = phone.tap("Start")
    assert "Question 1 of 12" in question.text
    assert sorted(Application.objects.values_list("state", flat=True)) == ["draft", "expired"]


def test_a_document_a_portal_asks_for_without_naming_it_is_kept_and_goes_back(
    chat, form, django_capture_on_commit_callbacks
):
    phone = chat()
    begin(phone)
    answer_all_questions(phone)
    phone.send_file(document_photo())
    phone.tap("Next")
    phone.tap("Skip")
    phone.tap("Submit")
    application = Application.objects.get(citizen__wa_id=phone.wa_id)
    with django_capture_on_commit_callbacks(execute=True):  # the portal's "query raised", with no document named
        applications.application_transition(application=application, to="documents_requested", actor="portal",
                                            note="Upload the rent agreement")  # fmt: skip
    phone.replies()
    [blank] = phone.send_file(blank_photo())
    assert blank.text.startswith("This file was not accepted:")
    [thanks] = phone.send_file(document_photo())
    assert f"gone back to the officer for application {application.reference}" in thanks.text
    application.refresh_from_db()
    assert application.state == "under_review"
    assert application.documents.filter(slot="additional", requested=True).count() == 1
