"""The service catalogue: loading the shipped data files into the database.

The files under `catalogue/` (one per department) are the seed. `catalogue_load` upserts by code, so it can
run any number of times; with `new_only` it adds what is missing and leaves every existing service as the
admins edited it. Services that exist only in the database (added in the admin) are never touched.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from django.db import models, transaction

from apps.core.exceptions import ApplicationError
from apps.departments.models import Department

from .catalogue_schema import catalogue_problems
from .models import FieldChoice, FormField, RequiredDocument, Service

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"


@dataclass
class CatalogueLoadResult:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0, "kept": 0})[outcome] += 1

    def __str__(self) -> str:
        return "; ".join(
            f"{kind}: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
            for kind, counts in self.counts.items()
        )


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
        if not isinstance(data, dict):
            problems.append(f"{path.name}: expected a department mapping")
            continue
        problems.extend(f"{path.name}: {problem}" for problem in catalogue_problems(data))
        departments.append(data)
    codes = [s["code"] for d in departments for s in d.get("services") or [] if "code" in s]
    problems.extend(
        f"service {code} appears in more than one file" for code in {c for c in codes if codes.count(c) > 1}
    )
    if problems:
        raise ApplicationError("The catalogue has problems:\n" + "\n".join(problems), extra={"problems": problems})
    return departments


def _upsert(model: type[models.Model], lookup: dict, values: dict) -> tuple[models.Model, str]:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        return obj, "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, "unchanged"
    for name in changed:
        setattr(obj, name, values[name])
    obj.full_clean()
    obj.save()
    return obj, "updated"


def _bilingual(row: dict, *names: str, target: dict | None = None) -> dict:
    values = {}
    for name in names:
        model_name = target.get(name, name) if target else name
        values[f"{model_name}_en"] = (row.get(f"{name}_en") or "").strip()
        values[f"{model_name}_hi"] = (row.get(f"{name}_hi") or "").strip()
    return values


def _children_sync(service: Service, rows: dict[str, list[dict]], result: CatalogueLoadResult) -> None:
    service.documents.exclude(code__in=[d["code"] for d in rows["documents"]]).delete()
    for position, doc in enumerate(rows["documents"]):
        values = {
            **_bilingual(doc, "name"),
            "mandatory": doc["mandatory"],
            "accepted_types": list(doc["accepted_types"]),
            "max_size_mb": doc["max_size_mb"],
            "position": position,
        }
        result.add("documents", _upsert(RequiredDocument, {"service": service, "code": doc["code"]}, values)[1])
    service.fields.exclude(key__in=[f["key"] for f in rows["fields"]]).delete()
    for position, row in enumerate(rows["fields"]):
        values = {
            **_bilingual(row, "label", "help", target={"help": "help_text"}),
            "type": row["type"],
            "required": row["required"],
            "validation": dict(row.get("validation") or {}),
            "position": position,
        }
        form_field, outcome = _upsert(FormField, {"service": service, "key": row["key"]}, values)
        result.add("form fields", outcome)
        choices = row.get("choices") or []
        form_field.choices.exclude(value__in=[c["value"] for c in choices]).delete()
        for choice_position, choice in enumerate(choices):
            values = {**_bilingual(choice, "label"), "position": choice_position}
            _upsert(FieldChoice, {"field": form_field, "value": choice["value"]}, values)


@transaction.atomic
def catalogue_load(*, directory: Path = CATALOGUE_DIR, new_only: bool = False) -> CatalogueLoadResult:
    """Upsert the departments and services of the catalogue files by code; safe to run again and again."""
    result = CatalogueLoadResult()
    for data in catalogue_read(directory=directory):
        department = Department.objects.filter(code=data["code"]).first()
        if department is not None and new_only:
            result.add("departments", "kept")
        else:
            department, outcome = _upsert(Department, {"code": data["code"]}, _bilingual(data, "name"))
            result.add("departments", outcome)
        for row in data["services"]:
            if new_only and Service.objects.filter(code=row["code"]).exists():
                result.add("services", "kept")
                continue
            values = {
                **_bilingual(row, "name", "description", "eligibility", "how_to"),
                "department": department,
                "kind": row["kind"],
                "fee": Decimal(str(row["fee"])),
                "sla_days": row["sla_days"],
                "fulfilment": row["fulfilment"],
                "connector": row.get("connector") or "",
            }
            service, outcome = _upsert(Service, {"code": row["code"]}, values)
            result.add("services", outcome)
            _children_sync(
                service, {"documents": row.get("documents") or [], "fields": row.get("fields") or []}, result
            )
    return result
