"""An officer clears the queue in a real browser: the late application first, its document, a request."""

import hashlib
import io
import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from apps.applications.models import Application, ApplicationDocument
from apps.departments.models import Officer
from tests.factories import (
    PASSWORD,
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

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def screenshot(page, name: str) -> None:
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    if os.environ.get("GOVCHAT_SCREENSHOTS"):  # a copy where a developer looks
        page.screenshot(path=os.path.join(os.environ["GOVCHAT_SCREENSHOTS"], f"{name}.png"), full_page=True)


def scanned_page() -> bytes:
    """A photographed proof of address: enough of a picture that a broken preview would show."""
    image = Image.new("RGB", (600, 420), "#f4efe1")
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 580, 400], outline="#333333", width=4)
    draw.text((50, 50), "ELECTRICITY BILL - BSES RAJDHANI", fill="#111111")
    draw.text((50, 90), "Asha Devi, H.No. 42, Trilokpuri, Delhi 110091", fill="#111111")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def attach(application: Application, content: bytes) -> None:
    document = ApplicationDocument(application=application, slot="proof_of_address", content_type="image/png",
                                   size=len(content), sha256=hashlib.sha256(content).hexdigest())  # fmt: skip
    document.file.save(f"{application.pk}-proof_of_address.png", ContentFile(content), save=False)
    document.save()


def test_an_officer_finds_the_late_application_first_and_asks_for_a_document(page, live_server):
    mcd = make_department(code="MCD", name_en="Municipal Corporation of Delhi")
    service = make_service(department=mcd, code="MCD-BIRTH", name_en="Birth certificate", sla_days=7)
    make_document(service=service, code="proof_of_address")
    make_field(service=service, key="applicant_name")
    number = make_number(department=mcd)
    make_officer(role=Officer.Role.OFFICER, department=mcd, username="mcd.officer", first_name="Ravi")

    def apply(days_ago: int, name: str, wa_id: str) -> Application:
        conversation = make_conversation(citizen=make_citizen(name=name, wa_id=wa_id), number=number)
        return make_application(service=service, conversation=conversation, answers={"applicant_name": name},
                                submitted_at=timezone.now() - timedelta(days=days_ago))  # fmt: skip

    on_time = apply(1, "Mohan Lal", "919811100001")
    late = apply(12, "Asha Devi", "919811100002")
    attach(late, scanned_page())

    sign_in(page, live_server, "mcd.officer")
    page.locator("#content-main tr.model-application").get_by_role("link", name="Applications").click()
    page.wait_for_url("**/admin/applications/application/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    first = rows.nth(0).inner_text()
    assert late.reference in first and "5 days late" in first and "₹50" in first
    assert on_time.reference in rows.nth(1).inner_text()
    assert rows.nth(0).locator(".govchat-late").first.evaluate("e => getComputedStyle(e).color") == "rgb(186, 33, 33)"
    screenshot(page, "applications-queue")

    page.get_by_role("link", name=late.reference, exact=True).click()
    page.wait_for_url("**/change/")
    preview = page.locator("img.govchat-preview")
    preview.wait_for()
    assert preview.evaluate("img => img.complete && img.naturalWidth") == 600  # served through the scoped view
    assert "5 days late" in page.locator("#application-summary").inner_text()
    screenshot(page, "application-page")

    page.locator("#application-actions summary", has_text="Request documents").click()
    page.get_by_label("Proof of address").check()
    page.get_by_label("What is wrong or missing").fill("The bill is cut off at the bottom; send the whole page.")
    screenshot(page, "application-request-documents")
    page.locator("#application-actions button[value=request_documents]").click()
    page.wait_for_selector(".messagelist .success")

    assert page.locator("#application-state").inner_text() == "Documents requested"
    assert "The bill is cut off" in page.locator("#application-summary ~ form").inner_text()  # the history
    late.refresh_from_db()
    assert late.state == Application.State.DOCUMENTS_REQUESTED
    screenshot(page, "application-documents-requested")
