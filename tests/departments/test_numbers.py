"""A department number's Graph API token is kept encrypted and never shown."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from apps.core.exceptions import ApplicationError
from apps.departments.models import Officer, WhatsAppNumber
from apps.departments.services import whatsapp_number_token_get, whatsapp_number_token_set
from tests.factories import make_department, make_number, make_officer

pytestmark = pytest.mark.django_db
TOKEN = "EAAGm0PX4ZCpsBAKZCZAsecret-token-value-1234567890"


def _raw_token_column(number: WhatsAppNumber) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token_encrypted FROM departments_whatsappnumber WHERE id = %s", [number.pk])
        return cursor.fetchone()[0]


def test_whatsapp_number_token_set_stores_only_ciphertext():
    number = make_number(department=make_department())

    whatsapp_number_token_set(number=number, token=TOKEN)

    stored = _raw_token_column(number)
    assert TOKEN not in stored and "secret-token" not in stored
    assert whatsapp_number_token_get(number=WhatsAppNumber.objects.get(pk=number.pk)) == TOKEN


def test_whatsapp_number_token_survives_key_rotation(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    number = make_number(department=make_department())
    whatsapp_number_token_set(number=number, token=TOKEN)

    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    with pytest.raises(ApplicationError):  # the old key is needed until the tokens are rotated
        whatsapp_number_token_get(number=number)

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert whatsapp_number_token_get(number=number) == TOKEN
    call_command("rotate_field_keys", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    number.refresh_from_db()
    assert whatsapp_number_token_get(number=number) == TOKEN


def test_the_admin_sets_the_token_but_never_shows_it(client):
    department = make_department()
    number = make_number(department=department)
    client.force_login(make_officer(role=Officer.Role.DEPARTMENT_ADMIN, department=department))
    url = reverse("admin:departments_whatsappnumber_change", args=[number.pk])
    form = {
        "department": department.pk, "label": number.label, "display_number": number.display_number,
        "phone_number_id": number.phone_number_id, "is_active": "on",
    }  # fmt: skip

    client.post(url, {**form, "new_access_token": TOKEN})
    page = client.get(url).content.decode()
    # Empty keeps the stored token; the routing ID is not the department admin's to change.
    client.post(url, {**form, "label": "Renamed", "new_access_token": "", "phone_number_id": "999999999"})

    assert TOKEN not in page and _raw_token_column(number) not in page
    assert "set, encrypted" in page
    number.refresh_from_db()
    assert number.label == "Renamed"
    assert number.phone_number_id != "999999999"
    assert whatsapp_number_token_get(number=number) == TOKEN


def test_the_admin_refuses_a_number_without_its_country_code(client):
    department = make_department()
    client.force_login(make_officer(role=Officer.Role.STATE_ADMIN))

    response = client.post(
        reverse("admin:departments_whatsappnumber_add"),
        {
            "department": department.pk,
            "label": "Helpline",
            "display_number": "9811122233",
            "phone_number_id": "1234567",
        },
    )

    assert response.status_code == 200
    assert "country code" in response.content.decode()
    assert not WhatsAppNumber.objects.exists()
