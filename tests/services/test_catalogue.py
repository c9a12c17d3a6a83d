import csv
import shutil
from pathlib import Path

import pytest
import yaml

from apps.core.exceptions import ApplicationError
from apps.departments.models import Department
from apps.services.catalogue_schema import CONNECTORS, FIELD_TYPES, KINDS
from apps.services.models import FieldChoice, FormField, RequiredDocument, Service
from apps.services.selectors import service_get_by_code
from apps.services.services import CATALOGUE_DIR, catalogue_load

DATA = Path(__file__).parent / "data"
pytestmark = pytest.mark.django_db


def _csv(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Department, Service, RequiredDocument, FormField, FieldChoice))


def test_catalogue_load_twice_without_duplicates():
    first = catalogue_load()
    after_first = _counts()
    second = catalogue_load()

    assert _counts() == after_first
    assert after_first[:2] == (15, 53)
    assert first.counts["services"]["created"] == 53
    assert second.counts["services"] == {"created": 0, "updated": 0, "unchanged": 53, "kept": 0}
    assert second.counts["departments"]["unchanged"] == 15


def test_catalogue_has_every_code_and_name_of_the_shared_catalogue():
    catalogue_load()

    for row in _csv("departments.csv"):
        department = Department.objects.get(code=row["code"])
        assert (department.name_en, department.name_hi) == (row["name_en"], row["name_hi"])
    for row in _csv("services.csv"):
        service = Service.objects.get(code=row["code"])
        assert service.department.code == row["department"]
        assert service.kind == row["kind"]
        assert (service.name_en, service.name_hi) == (row["name_en"], row["name_hi"])
    assert Service.objects.count() == len(_csv("services.csv")) == 53


def test_catalogue_reads_in_both_languages_everywhere():
    catalogue_load()

    def both(obj, *names):
        for name in names:
            en, hi = getattr(obj, f"{name}_en"), getattr(obj, f"{name}_hi")
            assert en.strip() and hi.strip(), f"{obj}: {name} is empty in a language"
            assert en.strip() != hi.strip(), f"{obj}: {name}_hi copies the English"
            assert any("\u0900" <= ch <= "\u097f" for ch in hi), f"{obj}: {name}_hi is not Hindi"

    for service in Service.objects.all():
        both(service, "name", "description", "eligibility", "how_to")
    for document in RequiredDocument.objects.all():
        both(document, "name")
    for field in FormField.objects.all():
        both(field, "label")
        if field.help_text_en or field.help_text_hi:
            both(field, "help_text")
    for choice in FieldChoice.objects.all():
        both(choice, "label")


def test_every_apply_service_asks_for_documents_and_details():
    catalogue_load()

    for service in Service.objects.filter(kind=Service.Kind.APPLY):
        assert service.documents.exists(), service.code
        assert service.fields.count() >= 2, service.code
    for service in Service.objects.exclude(kind=Service.Kind.INFO):
        assert service.fields.exists(), f"{service.code} has nothing to ask the citizen"
    for field in FormField.objects.filter(type=FormField.Type.CHOICE):
        assert field.choices.count() >= 2, field


def _edited_copy(tmp_path: Path, department: str, code: str, **changes) -> Path:
    """The shipped catalogue, with one service changed as a later release's file would change it."""
    directory = tmp_path / "catalogue"
    if not directory.exists():
        shutil.copytree(CATALOGUE_DIR, directory)
    path = directory / f"{department}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(s for s in data["services"] if s["code"] == code).update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return directory


def test_catalogue_load_keeps_what_admins_edited():
    catalogue_load()
    Service.objects.filter(code="MCD-BIRTH").update(sla_days=5, description_hi="नया विवरण")

    result = catalogue_load()

    service = Service.objects.get(code="MCD-BIRTH")
    assert (service.sla_days, service.description_hi) == (5, "नया विवरण")
    assert result.kept == ["MCD-BIRTH"]
    assert "MCD-BIRTH" in str(result) and "--force" in str(result)


def test_catalogue_load_force_puts_the_file_back():
    catalogue_load()
    original = Service.objects.get(code="MCD-BIRTH").sla_days
    Service.objects.filter(code="MCD-BIRTH").update(sla_days=original + 30)

    catalogue_load(force=True)

    assert Service.objects.get(code="MCD-BIRTH").sla_days == original
    assert catalogue_load().counts["services"]["unchanged"] == 53


def test_a_later_files_corrections_reach_services_nobody_edited(tmp_path):
    catalogue_load()
    Service.objects.filter(code="REV-INCOME").update(sla_days=9)  # an admin's change
    birth = Service.objects.get(code="MCD-BIRTH")
    RequiredDocument.objects.create(  # an admin's extra document on another shipped service
        service=Service.objects.get(code="MCD-DEATH"), code="ration_card", name_en="Ration card",
        name_hi="राशन कार्ड", accepted_types=["pdf"],
    )  # fmt: skip
    extra = Service.objects.create(
        code="MCD-HAWKER", department=birth.department, kind="info", name_en="Hawker zones", name_hi="फेरी क्षेत्र",
        description_en="d", description_hi="वि", eligibility_en="e", eligibility_hi="पा", how_to_en="h",
        how_to_hi="कै", fulfilment="bot",
    )  # fmt: skip
    directory = _edited_copy(tmp_path, "MCD", "MCD-BIRTH", sla_days=10)
    directory = _edited_copy(tmp_path, "MCD", "MCD-DEATH", sla_days=11)
    directory = _edited_copy(tmp_path, "REV", "REV-INCOME", sla_days=12)

    result = catalogue_load(directory=directory)

    assert Service.objects.get(code="MCD-BIRTH").sla_days == 10  # untouched: takes the correction
    assert Service.objects.get(code="REV-INCOME").sla_days == 9  # edited: the admin's value stays
    death = Service.objects.get(code="MCD-DEATH")
    assert death.sla_days != 11 and death.documents.filter(code="ration_card").exists()
    assert Service.objects.get(pk=extra.pk).name_en == "Hawker zones"  # never in the files: never touched
    assert result.counts["services"]["updated"] == 1
    assert sorted(result.kept) == ["MCD-DEATH", "REV-INCOME"]


def _broken_copy(tmp_path: Path, mutate) -> Path:
    directory = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, directory)
    path = directory / "MCD.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    "mutate, problem",
    [
        (lambda d: d["services"][0].update(description_hi=d["services"][0]["description_en"]), "has no Hindi"),
        (lambda d: d["services"][0].update(description_en=d["services"][0]["description_hi"]), "copy of the English"),
        (lambda d: d["services"][0].update(eligibility_hi=""), "Hindi is empty"),
        (lambda d: d["services"][0].update(fee="-10"), "fee is negative"),
        (lambda d: d["services"][1].update(code=d["services"][0]["code"]), "service codes repeat"),
        (lambda d: d["services"][0]["fields"][0].update(type="colour"), "is not one of"),
        (lambda d: d["services"][0].update(sla_days=400), "sla_days must be a whole number from 0 to 365"),
        (lambda d: d["services"][0].update(fee="1e12"), "fee must be at most"),
        (lambda d: d["services"][0].update(name_en="x" * 201), "name_en is longer than 200"),
        (lambda d: d["services"].append("oops"), "services must be a list of services"),
        (lambda d: d["services"][0]["fields"][0].update(validation={"date": []}), "validation date must be"),
    ],
)
def test_catalogue_load_refuses_a_broken_file_and_loads_nothing(tmp_path, mutate, problem):
    directory = _broken_copy(tmp_path, mutate)

    with pytest.raises(ApplicationError) as excinfo:
        catalogue_load(directory=directory)

    assert problem in excinfo.value.message
    assert "MCD.yaml" in excinfo.value.message
    assert _counts() == (0, 0, 0, 0, 0)


def test_service_get_by_code_reads_codes_as_citizens_type_them():
    catalogue_load()

    service = service_get_by_code(code=" mcd-birth ")

    assert service.code == "MCD-BIRTH"
    assert len(service.documents.all()) >= 1
    Service.objects.filter(code="MCD-BIRTH").update(is_active=False)
    assert service_get_by_code(code="MCD-BIRTH") is None


def test_schema_and_models_agree_on_allowed_values():
    assert set(Service.Kind.values) == KINDS
    assert set(Service.Connector.values) == CONNECTORS
    assert set(FormField.Type.values) == FIELD_TYPES


def test_every_aadhaar_question_tells_the_citizen_it_is_not_kept_in_full():
    catalogue_load()

    aadhaar_fields = FormField.objects.filter(type=FormField.Type.AADHAAR)
    assert aadhaar_fields.exists()
    for field in aadhaar_fields:
        assert "last 4 digits" in field.help_text_en, field
        assert "4 अंक" in field.help_text_hi, field
    for document in RequiredDocument.objects.filter(name_en__istartswith="Aadhaar"):
        raise AssertionError(f"{document.service.code}: ask for the masked Aadhaar, not the full card")
