"""An officer of one department never sees or touches another department's rows in the back office."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.core.admin import StateWideOnlyAdminMixin
from apps.departments.models import Officer
from apps.departments.scoping import DepartmentScopedAdminMixin
from apps.services.models import FormField, RequiredDocument, Service
from tests.factories import (
    PASSWORD,
    make_department,
    make_document,
    make_field,
    make_number,
    make_officer,
    make_service,
    service_form_data,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    mcd, rev = make_department(code="MCD"), make_department(code="REV")
    return {
        "mcd": mcd,
        "rev": rev,
        "mcd_service": make_service(department=mcd, code="MCD-BIRTH"),
        "rev_service": make_service(department=rev, code="REV-INCOME"),
        "mcd_number": make_number(department=mcd),
        "rev_number": make_number(department=rev),
        "mcd_admin": make_officer(role=Officer.Role.DEPARTMENT_ADMIN, department=mcd, username="mcd.admin"),
        "rev_officer": make_officer(role=Officer.Role.OFFICER, department=rev, username="rev.officer"),
    }


def login(client, officer):
    client.force_login(officer)
    return client


def test_it_lists_only_the_officers_own_department(client, world):
    login(client, world["mcd_admin"])

    services = client.get(reverse("admin:services_service_changelist")).content.decode()
    numbers = client.get(reverse("admin:departments_whatsappnumber_changelist")).content.decode()
    departments = client.get(reverse("admin:departments_department_changelist")).content.decode()
    officers = client.get(reverse("admin:departments_officer_changelist")).content.decode()

    assert "MCD-BIRTH" in services and "REV-INCOME" not in services
    assert world["mcd_number"].display_number in numbers and world["rev_number"].display_number not in numbers
    assert "MCD" in departments and world["rev"].name_en not in departments
    assert "mcd.admin" in officers and "rev.officer" not in officers


def test_it_keeps_guessed_urls_of_another_department_out(client, world):
    login(client, world["mcd_admin"])
    rev_service = world["rev_service"]

    for name in ("change", "delete", "history"):
        response = client.get(reverse(f"admin:services_service_{name}", args=[rev_service.pk]))
        assert response.status_code == 302  # "does not exist", back to the index
        assert "REV-INCOME" not in response.content.decode()
    response = client.get(reverse("admin:departments_whatsappnumber_change", args=[world["rev_number"].pk]))
    assert response.status_code == 302


def test_it_refuses_deletes_of_another_departments_rows(client, world):
    mcd_document, rev_document = (
        make_document(service=world["mcd_service"]),
        make_document(service=world["rev_service"]),
    )
    login(client, world["mcd_admin"])

    client.post(reverse("admin:services_service_delete", args=[world["rev_service"].pk]), {"post": "yes"})
    client.post(reverse("admin:services_service_delete", args=[world["mcd_service"].pk]), {"post": "yes"})
    client.post(
        reverse("admin:services_requireddocument_changelist"),
        {"action": "delete_selected", "_selected_action": [rev_document.pk, mcd_document.pk], "post": "yes"},
    )

    assert Service.objects.filter(pk=world["rev_service"].pk).exists()
    assert RequiredDocument.objects.filter(pk=rev_document.pk).exists()
    # Their own rows: the same requests did delete (so the refusals above are the scoping's doing).
    assert not Service.objects.filter(pk=world["mcd_service"].pk).exists()
    assert not RequiredDocument.objects.filter(pk=mcd_document.pk).exists()


def test_it_refuses_a_valid_change_to_another_departments_service(client, world):
    login(client, world["mcd_admin"])
    mcd_service, rev_service = world["mcd_service"], world["rev_service"]
    form = service_form_data(world["mcd"], code=mcd_service.code, name_en="Renamed")

    own = client.post(reverse("admin:services_service_change", args=[mcd_service.pk]), form)
    other = client.post(
        reverse("admin:services_service_change", args=[rev_service.pk]), {**form, "name_en": "Hijacked"}
    )

    assert own.status_code == 302 and Service.objects.get(pk=mcd_service.pk).name_en == "Renamed"  # the form is valid
    assert other.status_code == 302  # "does not exist"
    rev_service.refresh_from_db()
    assert rev_service.name_en != "Hijacked" and not rev_service.documents.exists()


def test_it_keeps_other_departments_officers_out(client, world):
    login(client, world["mcd_admin"])
    rev_officer = world["rev_officer"]

    for name in ("departments_officer_change", "departments_officer_delete", "auth_user_password_change"):
        assert client.get(reverse(f"admin:{name}", args=[rev_officer.pk])).status_code in (302, 404), name
    client.post(
        reverse("admin:auth_user_password_change", args=[rev_officer.pk]),
        {"password1": "a-new-pass-phrase-1", "password2": "a-new-pass-phrase-1"},
    )
    client.post(reverse("admin:departments_officer_delete", args=[rev_officer.pk]), {"post": "yes"})
    department_page = client.get(reverse("admin:departments_department_change", args=[world["rev"].pk]))

    rev_officer.refresh_from_db()
    assert rev_officer.check_password(PASSWORD)
    assert department_page.status_code == 302


def test_nobody_but_a_superuser_sees_or_resets_a_superuser(client, world):
    root = Officer.objects.create_superuser("root", password=PASSWORD)
    state_admin = make_officer(role=Officer.Role.STATE_ADMIN)

    for officer in (world["mcd_admin"], state_admin):
        login(client, officer)
        listing = client.get(reverse("admin:departments_officer_changelist")).content.decode()
        client.post(
            reverse("admin:auth_user_password_change", args=[root.pk]),
            {"password1": "a-new-pass-phrase-1", "password2": "a-new-pass-phrase-1"},
        )
        assert ">root<" not in listing
    root.refresh_from_db()
    assert root.check_password(PASSWORD)


def test_a_superuser_cannot_belong_to_a_department(world):
    officer = world["mcd_admin"]
    officer.is_superuser = True

    with pytest.raises(ValidationError):
        officer.full_clean(exclude=["password"])
    with pytest.raises(IntegrityError), transaction.atomic():
        officer.save()


def test_it_keeps_other_departments_documents_and_fields(client, world):
    rev_field = make_field(service=world["rev_service"], key="annual_income")
    rev_document = make_document(service=world["rev_service"])
    login(client, world["mcd_admin"])

    client.post(reverse("admin:services_formfield_delete", args=[rev_field.pk]), {"post": "yes"})
    client.post(reverse("admin:services_requireddocument_delete", args=[rev_document.pk]), {"post": "yes"})
    client.post(
        reverse("admin:services_requireddocument_changelist"),
        {"action": "delete_selected", "_selected_action": [rev_document.pk], "post": "yes"},
    )

    assert FormField.objects.filter(pk=rev_field.pk).exists()
    assert RequiredDocument.objects.filter(pk=rev_document.pk).exists()


def test_it_refuses_to_create_a_row_in_another_department(client, world):
    login(client, world["mcd_admin"])

    response = client.post(reverse("admin:services_service_add"), service_form_data(world["rev"], code="REV-HAWKER"))

    assert response.status_code == 200  # the form again, with an error
    assert "Select a valid choice" in response.content.decode()
    assert not Service.objects.filter(code="REV-HAWKER").exists()


def test_it_offers_only_own_rows_in_foreign_key_choices(client, world):
    login(client, world["mcd_admin"])

    page = client.get(reverse("admin:services_formfield_add")).content.decode()
    officer_page = client.get(reverse("admin:departments_officer_add")).content.decode()

    assert "MCD-BIRTH" in page and "REV-INCOME" not in page
    assert world["mcd"].name_en in officer_page and world["rev"].name_en not in officer_page


def test_an_auditor_sees_everything_and_changes_nothing(client, world):
    auditor = make_officer(role=Officer.Role.AUDITOR, username="auditor")
    login(client, auditor)
    rev_service = world["rev_service"]

    listing = client.get(reverse("admin:services_service_changelist")).content.decode()
    change = client.post(reverse("admin:services_service_change", args=[rev_service.pk]), {"name_en": "Changed"})
    delete = client.post(reverse("admin:services_service_delete", args=[rev_service.pk]), {"post": "yes"})

    assert "MCD-BIRTH" in listing and "REV-INCOME" in listing
    assert change.status_code == 403 and delete.status_code == 403
    rev_service.refresh_from_db()
    assert rev_service.name_en != "Changed"


def test_a_department_auditor_sees_only_their_department(client, world):
    login(client, make_officer(role=Officer.Role.AUDITOR, department=world["rev"]))

    listing = client.get(reverse("admin:services_service_changelist")).content.decode()

    assert "REV-INCOME" in listing and "MCD-BIRTH" not in listing


def test_a_state_admin_sees_every_department(client, world):
    login(client, make_officer(role=Officer.Role.STATE_ADMIN))

    listing = client.get(reverse("admin:services_service_changelist")).content.decode()

    assert "MCD-BIRTH" in listing and "REV-INCOME" in listing


def test_a_plain_officer_reads_the_catalogue_but_cannot_edit_it(client, world):
    login(client, world["rev_officer"])

    listing = client.get(reverse("admin:services_service_changelist"))
    change = client.post(reverse("admin:services_service_change", args=[world["rev_service"].pk]), {"name_en": "X"})
    officers = client.get(reverse("admin:departments_officer_changelist"))

    assert "REV-INCOME" in listing.content.decode()
    assert change.status_code == 403
    assert officers.status_code == 403


def test_scoping_reaches_nested_rows_through_their_service(client, world):
    rev_field = make_field(service=world["rev_service"], key="annual_income")
    rev_document = make_document(service=world["rev_service"])
    login(client, world["mcd_admin"])

    fields = client.get(reverse("admin:services_formfield_changelist")).content.decode()
    field_page = client.get(reverse("admin:services_formfield_change", args=[rev_field.pk]))
    document_page = client.get(reverse("admin:services_requireddocument_change", args=[rev_document.pk]))

    assert "annual_income" not in fields
    assert field_page.status_code == 302 and document_page.status_code == 302
    assert FormField.objects.filter(pk=rev_field.pk).exists()


def test_a_department_admin_cannot_make_a_state_admin_or_an_officer_elsewhere(client, world):
    login(client, world["mcd_admin"])
    form = {"username": "newbie", "password1": "a-long-enough-pass-1", "password2": "a-long-enough-pass-1"}

    as_state_admin = client.post(reverse("admin:departments_officer_add"), {**form, "role": "state_admin"})
    elsewhere = client.post(
        reverse("admin:departments_officer_add"), {**form, "role": "officer", "department": world["rev"].pk}
    )
    own = client.post(
        reverse("admin:departments_officer_add"), {**form, "role": "officer", "department": world["mcd"].pk}
    )

    assert as_state_admin.status_code == 200 and elsewhere.status_code == 200
    assert own.status_code == 302
    newbie = Officer.objects.get(username="newbie")
    assert newbie.department == world["mcd"] and newbie.is_staff
    assert newbie.has_perm("services.view_service") and not newbie.has_perm("services.change_service")


def test_every_admin_is_scoped_to_a_department_or_kept_to_state_wide_users():
    unscoped = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, DepartmentScopedAdminMixin | StateWideOnlyAdminMixin)
    ]

    assert unscoped == []


def test_a_department_auditor_does_not_see_the_state_wide_schedule(client, world):
    login(client, make_officer(role=Officer.Role.AUDITOR, department=world["rev"]))
    schedule = client.get(reverse("admin:django_celery_beat_periodictask_changelist"))
    login(client, make_officer(role=Officer.Role.AUDITOR))
    state_schedule = client.get(reverse("admin:django_celery_beat_periodictask_changelist"))

    assert schedule.status_code == 403
    assert state_schedule.status_code == 200


def test_a_department_admin_cannot_make_a_twin_of_an_existing_username(client, world):
    login(client, world["mcd_admin"])
    form = {"username": "MCD.Admin", "password1": "a-long-enough-pass-1", "password2": "a-long-enough-pass-1"}

    response = client.post(
        reverse("admin:departments_officer_add"), {**form, "role": "officer", "department": world["mcd"].pk}
    )

    assert response.status_code == 200
    assert not Officer.objects.filter(username="MCD.Admin").exists()
