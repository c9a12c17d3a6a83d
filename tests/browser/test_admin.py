"""An officer's first minutes in the back office, in a real browser."""

import pytest
from django.conf import settings

from apps.departments.models import Department, Officer
from apps.services.services import catalogue_load
from tests.factories import PASSWORD, make_officer

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
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def test_an_mcd_officer_finds_their_services_in_both_languages_and_no_others(page, live_server):
    catalogue_load()
    make_officer(role=Officer.Role.OFFICER, department=Department.objects.get(code="MCD"), username="mcd.officer")

    sign_in(page, live_server, "mcd.officer")
    page.get_by_role("link", name="Services", exact=True).first.click()
    page.wait_for_url("**/admin/services/service/")
    rows = page.locator("#result_list tbody tr")

    assert rows.count() == 6
    listing = page.locator("#result_list").inner_text()
    assert "MCD-BIRTH" in listing and "जन्म प्रमाण पत्र" in listing
    assert "REV-INCOME" not in listing
    screenshot(page, "services-mcd-officer")

    page.fill("#searchbar", "जन्म")
    page.press("#searchbar", "Enter")
    assert "MCD-BIRTH" in page.locator("#result_list").inner_text()

    page.get_by_role("link", name="MCD-BIRTH", exact=True).click()
    page.wait_for_url("**/change/**")
    body = page.locator("#content").inner_text()
    assert "Proof of" in body or "प्रमाण" in body
    assert page.locator("input[type=submit][name=_save]").count() == 0  # officers read the catalogue
    screenshot(page, "service-birth-view")


def test_a_department_admin_edits_the_hindi_text_and_citizens_see_it(page, live_server):
    from apps.services.selectors import service_get_by_code

    catalogue_load()
    make_officer(
        role=Officer.Role.DEPARTMENT_ADMIN, department=Department.objects.get(code="REV"), username="rev.admin"
    )

    sign_in(page, live_server, "rev.admin")
    page.goto(f"{live_server.url}/admin/services/service/?q=REV-INCOME")
    page.get_by_role("link", name="REV-INCOME", exact=True).click()
    page.wait_for_url("**/change/**")
    page.fill("#id_sla_days", "15")
    page.fill("#id_description_hi", "आय प्रमाण पत्र परिवार की सालाना आमदनी बताता है।")
    screenshot(page, "service-income-edit")
    page.click("input[name=_save]")

    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    service = service_get_by_code(code="REV-INCOME")
    assert service.sla_days == 15
    assert service.description_hi == "आय प्रमाण पत्र परिवार की सालाना आमदनी बताता है।"


def test_an_officer_switches_the_back_office_to_hindi(page, live_server):
    make_officer(role=Officer.Role.OFFICER, department=Department.objects.create(code="MCD", name_en="M", name_hi="म"))

    sign_in(page, live_server, Officer.objects.get().username)
    page.click("button[value=hi]")
    page.wait_for_selector("button[value=en]")

    apps = page.locator("#content-main").inner_text()
    assert "सेवाएँ" in apps and "Services" not in apps
    screenshot(page, "index-hindi")
    page.click("button[value=en]")
    page.wait_for_selector("button[value=hi]")
    assert "Services" in page.locator("#content-main").inner_text()
