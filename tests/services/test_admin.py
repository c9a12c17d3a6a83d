"""Editing the catalogue in the back office: what an admin types is what citizens get, in both languages."""

import pytest
from django.urls import reverse

from apps.departments.models import Department, Officer
from apps.services.models import Service
from apps.services.selectors import service_get_by_code, service_list
from tests.factories import make_department, make_officer, service_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    mcd = make_department(code="MCD")
    return {"mcd": mcd, "mcd_admin": make_officer(role=Officer.Role.DEPARTMENT_ADMIN, department=mcd)}


def login(client, officer):
    client.force_login(officer)
    return client


def test_a_service_added_in_the_admin_is_live_without_code(client, world):
    login(client, world["mcd_admin"])

    response = client.post(reverse("admin:services_service_add"), service_form_data(world["mcd"]))

    assert response.status_code == 302, response.content.decode()[:3000]
    service = service_get_by_code(code="MCD-HAWKER")
    assert service.name_hi == "फेरीवाला लाइसेंस"
    assert [d.code for d in service.documents.all()] == ["vendor_certificate"]
    assert [f.key for f in service.fields.all()] == ["vending_zone", "mobile"]
    assert service in service_list(department_code="MCD")


def test_the_admin_refuses_a_service_whose_hindi_copies_the_english(client, world):
    login(client, world["mcd_admin"])

    form = service_form_data(world["mcd"], description_hi="Permission to sell from a cart.")
    response = client.post(reverse("admin:services_service_add"), form)

    assert response.status_code == 200
    assert "Hindi" in response.content.decode()
    assert not Service.objects.filter(code="MCD-HAWKER").exists()


def test_the_admin_refuses_a_code_outside_the_departments_prefix(client, world):
    login(client, world["mcd_admin"])

    response = client.post(reverse("admin:services_service_add"), service_form_data(world["mcd"], code="REV-HAWKER"))

    assert response.status_code == 200
    assert "starts with the department" in response.content.decode()
    assert not Service.objects.filter(code="REV-HAWKER").exists()


def test_the_admin_refuses_a_field_with_broken_validation_rules(client, world):
    login(client, world["mcd_admin"])

    form = service_form_data(world["mcd"], **{"fields-0-validation": '{"regex": "[a-z"}'})
    response = client.post(reverse("admin:services_service_add"), form)

    assert response.status_code == 200
    assert "regex does not compile" in response.content.decode()
    assert not Service.objects.filter(code="MCD-HAWKER").exists()


def test_an_incomplete_service_is_saved_but_kept_from_citizens(client, world):
    login(client, world["mcd_admin"])
    form = service_form_data(world["mcd"], **{"fields-TOTAL_FORMS": "1", "documents-TOTAL_FORMS": "0"})

    response = client.post(reverse("admin:services_service_add"), form, follow=True)

    assert "stays inactive until" in response.content.decode()
    assert "needs its documents" in response.content.decode()
    assert Service.objects.get(code="MCD-HAWKER").is_active is False
    assert service_get_by_code(code="MCD-HAWKER") is None


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"fields-0-validation": '{"date": []}'}, "validation date must be one of"),
        ({"fields-0-validation": '{"min_length": 10, "max_length": 2}'}, "min_length is more than max_length"),
        ({"fields-0-validation": "[1, 2]"}, "validation must be a mapping"),
        ({"documents-0-accepted_types": '[["pdf"]]'}, "Choose one or more of"),
    ],
)
def test_the_admin_answers_odd_json_with_a_message_not_a_crash(client, world, overrides, message):
    login(client, world["mcd_admin"])

    response = client.post(reverse("admin:services_service_add"), service_form_data(world["mcd"], **overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Service.objects.filter(code="MCD-HAWKER").exists()


def test_a_catalogue_service_can_be_switched_off_but_not_deleted(client, world):
    from apps.services.services import catalogue_load

    catalogue_load()
    login(client, make_officer(role=Officer.Role.DEPARTMENT_ADMIN, department=Department.objects.get(code="MCD")))
    birth = Service.objects.get(code="MCD-BIRTH")

    response = client.post(reverse("admin:services_service_delete", args=[birth.pk]), {"post": "yes"})
    page = client.get(reverse("admin:services_service_change", args=[birth.pk])).content.decode()

    assert response.status_code == 403
    assert Service.objects.filter(code="MCD-BIRTH").exists()
    assert 'name="code"' not in page  # the code is shown, not editable
