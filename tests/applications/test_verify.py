"""The public verify page and PDF: what anyone holding a certificate's QR code sees, and nothing more."""

import pytest
from django.urls import reverse

from apps.applications.certificates import certificate_issue, certificate_revoke
from apps.core.formatting import MONTHS_HI
from apps.departments.models import Officer
from tests.applications.test_certificates import AADHAAR, EMAIL, PHONE, make_issuable, pdf_bytes
from tests.factories import make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(django_capture_on_commit_callbacks):
    application, officer = make_issuable()
    with django_capture_on_commit_callbacks(execute=True):
        return certificate_issue(application=application, officer=officer)


def verify_url(certificate, **query) -> str:
    return reverse("documents:verify", args=[certificate.token]) + (f"?lang={query['lang']}" if query else "")


def assert_private(response) -> None:
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_it_says_genuine_and_shows_exactly_the_printed_lines_in_english(client, issued):
    response = client.get(verify_url(issued, lang="en"))

    assert response.status_code == 200
    assert_private(response)
    page = response.content.decode()
    for shown in ("Genuine certificate", "यह प्रमाण पत्र असली है", issued.number, "Income Certificate",
                  "Revenue Department", "Asha Verma", "12 March 2019", "Female / महिला", "Yes / हाँ", "Full name",
                  "Date of issue", "हिंदी में देखें", "?lang=hi"):  # fmt: skip
        assert shown in page, shown
    for hidden in (PHONE, "98765", AADHAAR, "4821", EMAIL, "Ashu", issued.application.reference,
                   issued.application.conversation.citizen.wa_id, "<script", "https://", "http://"):  # fmt: skip
        assert hidden not in page, hidden


def test_it_shows_the_page_in_hindi_with_english_linked(client, issued):
    page = client.get(verify_url(issued, lang="hi")).content.decode()

    assert '<html lang="hi">' in page
    for shown in ("यह प्रमाण पत्र असली है", "Genuine certificate", "आय प्रमाण पत्र", "राजस्व विभाग", "पूरा नाम",
                  "जन्म तिथि", "प्रमाण पत्र संख्या", "जारी करने की तिथि", "View in English", "?lang=en"):  # fmt: skip
        assert shown in page, shown
    assert PHONE not in page
    issued_on = issued.issued_on
    assert f"{issued_on.day} {MONTHS_HI[issued_on.month - 1]} {issued_on.year}" in page


def test_it_takes_the_language_from_the_browser_when_none_is_chosen(client, issued):
    page = client.get(verify_url(issued), HTTP_ACCEPT_LANGUAGE="hi-IN,hi;q=0.9,en;q=0.5").content.decode()

    assert '<html lang="hi">' in page and "View in English" in page


def test_it_says_revoked_in_red_and_no_longer_serves_the_pdf(client, issued):
    admin = make_officer(role=Officer.Role.DEPARTMENT_ADMIN, department=issued.application.service.department)
    certificate_revoke(certificate=issued, officer=admin, reason="Issued on a forged rent agreement")

    response = client.get(verify_url(issued, lang="en"))
    pdf = client.get(reverse("documents:verify_pdf", args=[issued.token, "certificate"]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Revoked on " in page and 'class="status bad"' in page and "#c62828" in page
    assert "Genuine certificate" not in page and "forged" not in page and "Asha Verma" not in page
    assert pdf.status_code == 404 and pdf["Content-Type"].startswith("text/html")
    assert "Revoked on " in pdf.content.decode()


@pytest.mark.parametrize(
    "token",
    ["", "a/b/c", "nope", "A" * 32, "x" * 5000, "%00abc", "abc%00def" * 5, "<script>alert(1)</script>", "..%2F..%2Fetc",
     "ü" * 40, "'; DROP TABLE certificates; --", "%E0%A4"],
)  # fmt: skip
def test_it_answers_404_for_an_unknown_or_garbage_code(client, issued, token):
    response = client.get(f"/verify/{token}/")
    pdf = client.get(f"/verify/{token}/certificate.pdf")

    assert response.status_code == 404 and pdf.status_code == 404
    page = response.content.decode()
    assert "No certificate has this code" in page and "इस कोड का कोई प्रमाण पत्र नहीं है" in page
    assert "may not be genuine" in page and "<script>alert" not in page
    assert_private(response)


def test_the_pdf_address_serves_the_stored_pdf(client, issued):
    response = client.get(reverse("documents:verify_pdf", args=[issued.token, "certificate"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{issued.number.replace("/", "-")}.pdf"'
    assert b"".join(response.streaming_content) == pdf_bytes(issued)
    assert_private(response)


def test_the_page_is_small_and_self_contained(client, issued):
    response = client.get(verify_url(issued))

    page = response.content.decode()
    assert len(response.content) < 12_000
    assert "<script" not in page and "<link" not in page and "src=" not in page
    assert "script-src" not in response["Content-Security-Policy"]


def test_only_get_and_head_are_allowed(client, issued):
    assert client.post(verify_url(issued)).status_code == 405
