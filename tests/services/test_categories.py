"""Menu categories come from the catalogue's data: every shipped service lands in one, and a new one too."""

import pytest

from apps.services.categories import CATEGORIES, OFFICER, OTHER, service_category, service_list_for_category
from apps.services.services import catalogue_read
from tests.factories import make_department, make_service


def test_every_shipped_service_has_a_category_and_every_category_but_the_officer_has_services():
    found = {}
    for department in catalogue_read():
        for service in department["services"]:
            key = service_category(code=service["code"], kind=service["kind"], department_code=department["code"])
            assert key in CATEGORIES and key != OFFICER
            found.setdefault(key, []).append(service["code"])
    assert set(found) == set(CATEGORIES) - {OFFICER}
    assert "MCD-BIRTH" in found["certificates"] and "DSW-OAP" in found["welfare"]
    assert "DJB-BILL" in found["bills"] and "TPT-LEARNER" in found["licences"] and "DP-TENANT" in found["police"]
    assert "PGC-GRIEVANCE" in found["grievances"] and "DSW-PENSION-STATUS" in found["status"]


@pytest.mark.django_db
def test_a_service_added_in_the_admin_appears_by_its_kind_and_department():
    police, newcomer = make_department(code="DP"), make_department(code="NEWDEPT")
    verification = make_service(department=police, code="DP-SENIOR")
    payment = make_service(department=newcomer, code="NEWDEPT-FEE", kind="pay")
    unknown = make_service(department=newcomer, code="NEWDEPT-THING")

    assert verification in service_list_for_category(category="police")
    assert payment in service_list_for_category(category="bills")
    assert unknown in service_list_for_category(category=OTHER)
