"""The service catalogue: loading the shipped data files, and keeping admin-edited services usable.

The files under `catalogue/` (one per department) are the seed and carry later corrections. Both they and
the database are read into one shape (`service_data`, the file's shape), and a sha256 of that shape is kept
on each row when it is loaded. So `catalogue_load` can tell, service by service:
- not in the database: create it;
- the database already matches the file: nothing to do;
- the database still matches the file as it was last loaded (nobody edited it): take the file's new version;
- an admin has edited it since: keep the admin's version and report it (`force` overwrites).
Services added in the admin have no hash and are never touched. Running it twice changes nothing.
"""

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.exceptions import ApplicationError
from apps.departments.models import Department

from .catalogue_schema import catalogue_problems, service_problems
from .models import FieldChoice, FormField, RequiredDocument, Service

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
SERVICE_TEXTS = ("name", "description", "eligibility", "how_to")
OPTIONAL_SERVICE_TEXTS = ("synonyms",)


@dataclass
class CatalogueLoadResult:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)  # codes edited in the admin, left as they are

    def add(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0, "kept": 0})[outcome] += 1

    def __str__(self) -> str:
        text = "; ".join(
            f"{kind}: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
            for kind, counts in self.counts.items()
        )
        if self.kept:
            text += f". Edited in the admin, so kept (use --force to overwrite): {', '.join(self.kept)}"
        return text


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _bilingual(row: dict, name: str) -> dict[str, str]:
    return {f"{name}_en": _text(row.get(f"{name}_en")), f"{name}_hi": _text(row.get(f"{name}_hi"))}


def _optional_texts(texts: dict[str, str]) -> dict[str, str]:
    # Optional texts join the hashed shape only when they hold something, so adding one to the schema does
    # not change the hash of services that never had it (an older database is not taken for admin-edited).
    return {
        key: value
        for name in OPTIONAL_SERVICE_TEXTS
        if texts.get(f"{name}_en") or texts.get(f"{name}_hi")
        for key, value in texts.items()
        if key.startswith(f"{name}_")
    }


def service_data_from_file(row: dict, *, department_code: str) -> dict:
    """A service of a catalogue file, in the canonical shape that `service_data` also produces."""
    fields = []
    for f in row.get("fields") or []:
        choices = [{"value": c["value"], **_bilingual(c, "label")} for c in f.get("choices") or []]
        fields.append(
            {"key": f["key"], "type": f["type"], **_bilingual(f, "label"), **_bilingual(f, "help"),
             "required": f["required"], "validation": dict(f.get("validation") or {}), "choices": choices}
        )  # fmt: skip
    return {
        "code": row["code"],
        "department": department_code,
        "kind": row["kind"],
        **{k: v for name in SERVICE_TEXTS for k, v in _bilingual(row, name).items()},
        **_optional_texts({k: v for name in OPTIONAL_SERVICE_TEXTS for k, v in _bilingual(row, name).items()}),
        "fee": str(Decimal(str(row["fee"])).quantize(Decimal("0.01"))),
        "sla_days": row["sla_days"],
        "fulfilment": row["fulfilment"],
        "connector": row.get("connector") or "",
        "documents": [
            {
                "code": d["code"],
                **_bilingual(d, "name"),
                "mandatory": d["mandatory"],
                "accepted_types": list(d["accepted_types"]),
                "max_size_mb": d["max_size_mb"],
            }
            for d in row.get("documents") or []
        ],  # fmt: skip
        "fields": fields,
    }


def service_data(service: Service) -> dict:
    """A service as it is in the database, in the catalogue file's shape (for hashing and checking)."""
    return {
        "code": service.code,
        "department": service.department.code,
        "kind": service.kind,
        **{
            f"{name}_{lang}": getattr(service, f"{name}_{lang}") or ""
            for name in SERVICE_TEXTS
            for lang in ("en", "hi")
        },
        **_optional_texts(
            {
                f"{name}_{lang}": getattr(service, f"{name}_{lang}") or ""
                for name in OPTIONAL_SERVICE_TEXTS
                for lang in ("en", "hi")
            }
        ),
        "fee": str(Decimal(service.fee).quantize(Decimal("0.01"))),
        "sla_days": service.sla_days,
        "fulfilment": service.fulfilment,
        "connector": service.connector,
        "documents": [
            {
                "code": d.code,
                "name_en": d.name_en or "",
                "name_hi": d.name_hi or "",
                "mandatory": d.mandatory,
                "accepted_types": list(d.accepted_types),
                "max_size_mb": d.max_size_mb,
            }
            for d in service.documents.order_by("position", "id")
        ],  # fmt: skip
        "fields": [
            {
                "key": f.key,
                "type": f.type,
                "label_en": f.label_en or "",
                "label_hi": f.label_hi or "",
                "help_en": f.help_text_en or "",
                "help_hi": f.help_text_hi or "",
                "required": f.required,
                "validation": dict(f.validation or {}),
                "choices": [
                    {"value": c.value, "label_en": c.label_en or "", "label_hi": c.label_hi or ""}
                    for c in f.choices.order_by("position", "id")
                ],
            }
            for f in service.fields.order_by("position", "id")
        ],  # fmt: skip
    }


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def service_keep_inactive_unless_complete(*, service: Service) -> list[str]:
    """Check a service an admin saved against the catalogue's rules; an incomplete one is switched off.

    Returns the problems (empty when the service is fit for citizens), so the admin can be told.
    """
    problems = [p.split(": ", 1)[-1] for p in service_problems(service_data(service), service.department.code)]
    if problems and service.is_active:
        Service.objects.filter(pk=service.pk).update(is_active=False)
        service.is_active = False
    return problems


def catalogue_read(*, directory: Path = CATALOGUE_DIR) -> list[dict]:
    """Read and check every department file; raise with all the problems rather than load half."""
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise ApplicationError(f"No catalogue files (*.yaml) in {directory}.")
    departments, problems = [], []
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            problems.append(f"{path.name}: not valid YAML: {exc}")
            continue
        found = catalogue_problems(data)
        problems.extend(f"{path.name}: {problem}" for problem in found)
        if not found:
            departments.append(data)
    codes = [s["code"] for d in departments for s in d["services"]]
    problems.extend(
        f"service {code} appears in more than one file" for code in {c for c in codes if codes.count(c) > 1}
    )
    if problems:
        raise ApplicationError("The catalogue has problems:\n" + "\n".join(problems), extra={"problems": problems})
    return departments


def _child_upsert(model, lookup: dict, values: dict):
    row = model.objects.filter(**lookup).first() or model(**lookup)
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row


def _service_write(service: Service, data: dict, department: Department) -> None:
    texts = [f"{name}_{lang}" for name in SERVICE_TEXTS for lang in ("en", "hi")]
    for key in ("kind", "fulfilment", "connector", "sla_days", *texts):
        setattr(service, key, data[key])
    for key in (f"{name}_{lang}" for name in OPTIONAL_SERVICE_TEXTS for lang in ("en", "hi")):
        setattr(service, key, data.get(key, ""))
    service.department, service.fee = department, Decimal(data["fee"])
    service.full_clean()
    service.save()
    service.documents.exclude(code__in=[d["code"] for d in data["documents"]]).delete()
    for position, doc in enumerate(data["documents"]):
        values = {k: v for k, v in doc.items() if k != "code"}
        _child_upsert(RequiredDocument, {"service": service, "code": doc["code"]}, {**values, "position": position})
    service.fields.exclude(key__in=[f["key"] for f in data["fields"]]).delete()
    for position, row in enumerate(data["fields"]):
        values = {
            "type": row["type"], "required": row["required"], "validation": row["validation"],
            "label_en": row["label_en"], "label_hi": row["label_hi"], "help_text_en": row["help_en"],
            "help_text_hi": row["help_hi"], "position": position,
        }  # fmt: skip
        form_field = _child_upsert(FormField, {"service": service, "key": row["key"]}, values)
        form_field.choices.exclude(value__in=[c["value"] for c in row["choices"]]).delete()
        for choice_position, choice in enumerate(row["choices"]):
            values = {"label_en": choice["label_en"], "label_hi": choice["label_hi"], "position": choice_position}
            _child_upsert(FieldChoice, {"field": form_field, "value": choice["value"]}, values)


def _department_load(data: dict, *, force: bool, result: CatalogueLoadResult) -> Department:
    values = {"code": data["code"], **_bilingual(data, "name")}
    digest = _digest(values)
    department = Department.objects.filter(code=data["code"]).first()
    if department is None:
        department = Department(code=data["code"])
        outcome = "created"
    else:
        current = _digest({"code": department.code, "name_en": department.name_en, "name_hi": department.name_hi})
        if current == digest:
            outcome = "unchanged"
        elif current == department.catalogue_hash or force:
            outcome = "updated"
        else:
            result.kept.append(department.code)
            result.add("departments", "kept")
            return department
    department.name_en, department.name_hi, department.catalogue_hash = values["name_en"], values["name_hi"], digest
    department.full_clean()
    department.save()
    result.add("departments", outcome)
    return department


def _service_load(row: dict, department: Department, *, force: bool, result: CatalogueLoadResult) -> None:
    data = service_data_from_file(row, department_code=department.code)
    digest = _digest(data)
    service = Service.objects.filter(code=data["code"]).first()
    if service is None:
        service, outcome = Service(code=data["code"]), "created"
    else:
        current = _digest(service_data(service))
        if current == digest:
            if service.catalogue_hash != digest:
                Service.objects.filter(pk=service.pk).update(catalogue_hash=digest)
            result.add("services", "unchanged")
            return
        if current != service.catalogue_hash and not force:
            result.kept.append(service.code)
            result.add("services", "kept")
            return
        outcome = "updated"
    service.catalogue_hash = digest
    _service_write(service, data, department)
    result.add("services", outcome)


@transaction.atomic
def catalogue_load(*, directory: Path = CATALOGUE_DIR, force: bool = False) -> CatalogueLoadResult:
    """Load the catalogue files by code, keeping what admins edited (unless `force`); safe to repeat."""
    result, problems = CatalogueLoadResult(), []
    for data in catalogue_read(directory=directory):
        department = _department_load(data, force=force, result=result)
        for row in data["services"]:
            try:
                with transaction.atomic():
                    _service_load(row, department, force=force, result=result)
            except ValidationError as exc:
                problems.append(f"{data['code']}.yaml: service {row['code']}: {'; '.join(exc.messages)}")
    if problems:  # raising inside the transaction rolls back every service loaded before
        raise ApplicationError("The catalogue has problems:\n" + "\n".join(problems), extra={"problems": problems})
    return result
