"""The shape of the catalogue data files under ``apps/services/catalogue/``.

No Django import, so that it can check a file from the command line while someone writes it:

    .venv/bin/python -m apps.services.catalogue_schema apps/services/catalogue/REV.yaml

``catalogue_load`` (services.py) calls ``catalogue_problems`` before it writes anything, so a broken file
never half-loads.
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from apps.core.bilingual import bilingual_problem

KINDS = {"apply", "status", "pay", "info", "grievance", "feedback"}
FULFILMENTS = {"officer", "portal", "bot"}
CONNECTORS = {"edistrict", "mcd", "parivahan", "djb", "delhi_police", "edudel", "pgms"}
FIELD_TYPES = {"text", "date", "number", "choice", "phone", "aadhaar", "pincode", "email", "yesno"}
DOCUMENT_TYPES = {"pdf", "jpg", "png"}
VALIDATION_KEYS = {"min_length", "max_length", "min", "max", "regex", "message_en", "message_hi", "date"}
DATE_RULES = {"past", "future"}
BILINGUAL_SERVICE = ("name", "description", "eligibility", "how_to")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")


def _bilingual(problems: list[str], where: str, row: dict, name: str, *, required: bool = True) -> None:
    problem = bilingual_problem(row.get(f"{name}_en"), row.get(f"{name}_hi"), required=required)
    if problem:
        problems.append(f"{where}: {name}: {problem}")


def _document_problems(problems: list[str], where: str, doc: dict) -> None:
    if not KEY_RE.match(str(doc.get("code", ""))):
        problems.append(f"{where}: document code {doc.get('code')!r} must be snake_case")
    _bilingual(problems, where, doc, "name")
    if not isinstance(doc.get("mandatory"), bool):
        problems.append(f"{where}: mandatory must be true or false")
    types = doc.get("accepted_types")
    if not isinstance(types, list) or not types or not set(types) <= DOCUMENT_TYPES:
        problems.append(f"{where}: accepted_types must be a non-empty list from {sorted(DOCUMENT_TYPES)}")
    size = doc.get("max_size_mb")
    if not isinstance(size, int) or not 1 <= size <= 100:
        problems.append(f"{where}: max_size_mb must be a whole number from 1 to 100")


def _field_problems(problems: list[str], where: str, field: dict) -> None:
    if not KEY_RE.match(str(field.get("key", ""))):
        problems.append(f"{where}: key {field.get('key')!r} must be snake_case")
    kind = field.get("type")
    if kind not in FIELD_TYPES:
        problems.append(f"{where}: type {kind!r} is not one of {sorted(FIELD_TYPES)}")
    _bilingual(problems, where, field, "label")
    _bilingual(problems, where, field, "help", required=False)
    if not isinstance(field.get("required"), bool):
        problems.append(f"{where}: required must be true or false")
    choices = field.get("choices") or []
    if kind == "choice":
        if len(choices) < 2:
            problems.append(f"{where}: a choice field needs at least two choices")
        values = [c.get("value") for c in choices]
        if len(values) != len(set(values)):
            problems.append(f"{where}: choice values repeat")
        for choice in choices:
            if not KEY_RE.match(str(choice.get("value", ""))):
                problems.append(f"{where}: choice value {choice.get('value')!r} must be snake_case")
            _bilingual(problems, f"{where} choice {choice.get('value')}", choice, "label")
    elif choices:
        problems.append(f"{where}: only choice fields have choices")
    problems.extend(f"{where}: {p}" for p in field_validation_problems(field.get("validation") or {}))


def field_validation_problems(rules: dict) -> list[str]:
    """What is wrong with one form field's validation rules (also used by the admin's FormField.clean)."""
    if not isinstance(rules, dict):
        return ["validation must be a mapping of rule to value"]
    problems = []
    unknown = set(rules) - VALIDATION_KEYS
    if unknown:
        problems.append(f"unknown validation keys {sorted(unknown)}")
    for key in ("min_length", "max_length"):
        if key in rules and (not isinstance(rules[key], int) or rules[key] < 0):
            problems.append(f"{key} must be a whole number")
    for key in ("min", "max"):
        if key in rules and not isinstance(rules[key], (int, float)):
            problems.append(f"{key} must be a number")
    if "regex" in rules:
        try:
            re.compile(rules["regex"])
        except (re.error, TypeError) as exc:
            problems.append(f"regex does not compile: {exc}")
        if not rules.get("message_en") or not rules.get("message_hi"):
            problems.append("a regex needs message_en and message_hi for the citizen")
    if "date" in rules and rules["date"] not in DATE_RULES:
        problems.append(f"validation date must be one of {sorted(DATE_RULES)}")
    return problems


def _service_problems(problems: list[str], service: dict, department_code: str) -> None:
    code = service.get("code", "?")
    where = f"service {code}"
    if not str(code).startswith(f"{department_code}-"):
        problems.append(f"{where}: code must start with {department_code}-")
    if service.get("kind") not in KINDS:
        problems.append(f"{where}: kind {service.get('kind')!r} is not one of {sorted(KINDS)}")
    for name in BILINGUAL_SERVICE:
        _bilingual(problems, where, service, name)
    try:
        if Decimal(str(service.get("fee"))) < 0:
            problems.append(f"{where}: fee is negative")
    except InvalidOperation:
        problems.append(f"{where}: fee {service.get('fee')!r} is not a number of rupees")
    sla = service.get("sla_days")
    if not isinstance(sla, int) or sla < 0:
        problems.append(f"{where}: sla_days must be a whole number, 0 or more")
    fulfilment = service.get("fulfilment")
    if fulfilment not in FULFILMENTS:
        problems.append(f"{where}: fulfilment must be one of {sorted(FULFILMENTS)}")
    connector = service.get("connector") or ""
    if fulfilment == "portal" and connector not in CONNECTORS:
        problems.append(f"{where}: a portal service names a connector from {sorted(CONNECTORS)}")
    if fulfilment != "portal" and connector:
        problems.append(f"{where}: only portal services name a connector")
    documents, fields = service.get("documents") or [], service.get("fields") or []
    if service.get("kind") == "apply" and (not documents or len(fields) < 2):
        problems.append(f"{where}: an apply service needs its documents and at least two form fields")
    for label, rows, key in (("document", documents, "code"), ("field", fields, "key")):
        keys = [row.get(key) for row in rows]
        if len(keys) != len(set(keys)):
            problems.append(f"{where}: {label} {key}s repeat")
    for doc in documents:
        _document_problems(problems, f"{where} document {doc.get('code')}", doc)
    for field in fields:
        _field_problems(problems, f"{where} field {field.get('key')}", field)


def catalogue_problems(department: dict) -> list[str]:
    """Everything wrong with one department's catalogue data; an empty list means it loads."""
    problems: list[str] = []
    code = department.get("code", "")
    if not re.match(r"^[A-Z]{2,10}$", str(code)):
        problems.append(f"department code {code!r} must be 2-10 capital letters")
    _bilingual(problems, f"department {code}", department, "name")
    services = department.get("services") or []
    codes = [s.get("code") for s in services]
    if len(codes) != len(set(codes)):
        problems.append(f"department {code}: service codes repeat")
    for service in services:
        _service_problems(problems, service, str(code))
    return problems


def main(paths: list[str]) -> int:
    import yaml

    failed = 0
    for path in paths:
        problems = catalogue_problems(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
        for problem in problems:
            print(f"{path}: {problem}")
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
