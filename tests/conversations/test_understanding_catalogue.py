"""Understanding reads the catalogue from the database: services added or changed in the admin count at once."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from apps.conversations.understanding import catalogue_index, understand
from apps.services.models import Service
from apps.services.services import catalogue_load

pytestmark = pytest.mark.django_db


def _hawker_service() -> Service:
    department = Service.objects.get(code="MCD-BIRTH").department
    return Service.objects.create(
        code="MCD-HAWKER", department=department, kind="apply", name_en="Street vendor certificate",
        name_hi="पथ विक्रेता प्रमाण पत्र", synonyms_en="rehri patri licence, thela permit",
        synonyms_hi="रेहड़ी पटरी लाइसेंस", description_en="d", description_hi="वि", eligibility_en="e",
        eligibility_hi="पा", how_to_en="h", how_to_hi="कै", fulfilment="officer",
    )  # fmt: skip


def test_a_service_added_in_the_admin_is_understood_without_code():
    catalogue_load()
    assert understand("rehri patri licence chahiye").service is None

    _hawker_service()

    assert understand("mujhe rehri patri licence chahiye").service == "MCD-HAWKER"
    assert understand("thela permt").service == "MCD-HAWKER"
    assert understand("पथ विक्रेता प्रमाणपत्र चाहिए").as_json()["service"] == "MCD-HAWKER"


def test_a_service_switched_off_is_no_longer_offered():
    catalogue_load()
    assert understand("paani ka tanker chahiye").service == "DJB-TANKER"

    Service.objects.filter(code="DJB-TANKER").update(is_active=False)  # a bulk update: no signal, no updated_at

    assert understand("paani ka tanker chahiye").service is None


def test_the_index_is_built_once_while_nothing_changes(django_assert_max_num_queries):
    catalogue_load()
    first = catalogue_index()

    with django_assert_max_num_queries(2):  # the version check only
        assert catalogue_index() is first


def test_understand_command_writes_one_json_line_per_line():
    catalogue_load()
    stdin = StringIO("mujhe janm praman patra chahiye\n\nDLA-2026-000123 status\nSTOP\nमेरी पेंशन कब आएगी\n")
    out = StringIO()

    call_command("understand", stdin=stdin, stdout=out)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [
        {"intent": "apply", "service": "MCD-BIRTH", "reference": None, "language": "hi"},
        {"intent": "unknown", "service": None, "reference": None, "language": "en"},
        {"intent": "status", "service": None, "reference": "DLA260000123", "language": "en"},
        {"intent": "opt_out", "service": None, "reference": None, "language": "en"},
        {"intent": "status", "service": "DSW-PENSION-STATUS", "reference": None, "language": "hi"},
    ]
