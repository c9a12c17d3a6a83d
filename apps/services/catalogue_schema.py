"""The rules a catalogue service must meet, on its data in the shape of the catalogue files.

One set of rules for two doors: the data files under ``apps/services/catalogue/`` (checked whole before
``catalogue_load`` writes anything, so a broken file never half-loads) and a service edited in the admin
(``service_problems`` on ``service_data`` of the saved rows). No Django import, so that a file can be
checked from the command line while someone writes it:

    .venv/bin/python -m apps.services.catalogue_schema apps/services/catalogue/REV.yaml

Every check is type-safe: whatever a file or an admin's JSON box holds, the answer is a list of problems,
never an exception.
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
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")
# The database's column sizes, so that a file that passes here also saves.
MAX_LENGTHS = {"name": 200, "description": 1000, "eligibility": 2000, "how_to": 2000}
OPTIONAL_MAX_LENGTHS = {"synonyms": 1000}
MAX_FEE = Decimal("99999999.99")
MAX_SLA_DAYS = 365


def _bilingual(problems: list[str], where: str, row: dict, name: str, *, required=True, max_length=None) -> None:
    en, hi = row.get(f"{name}_en"), row.get(f"{name}_hi")
    problem = bilingual_problem(en, hi, required=required)
    if problem:
        problems.append(f"{where}: {name}: {problem}")
    elif max_length:
        for language, text in (("en", en), ("hi", hi)):
            if isinstance(text, str) and len(text.strip()) > max_length:
                problems.append(f"{where}: {name}_{language} is longer than {max_length} characters")


def _is_whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _unique_keys(problems: list[str], where: str, rows: list, key: str, label: str) -> list[dict]:
    rows = [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
    keys = [row.get(key) for row in rows]
    if len(keys) != len({str(k) for k in keys}):
        problems.append(f"{where}: {label} {key}s repeat")
    return rows


def _document_problems(problems: list[str], where: str, doc: dict) -> None:
    if not KEY_RE.match(str(doc.get("code", ""))):
        problems.append(f"{where}: document code {doc.get('code')!r} must be snake_case")
    _bilingual(problems, where, doc, "name", max_length=300)
    if not isinstance(doc.get("mandatory"), bool):
        problems.append(f"{where}: mandatory must be true or false")
    types = doc.get("accepted_types")
    if not isinstance(types, list) or not types or not all(isinstance(t, str) and t in DOCUMENT_TYPES for t in types):
        problems.append(f"{where}: accepted_types must be a non-empty list from {sorted(DOCUMENT_TYPES)}")
    if not _is_whole(doc.get("max_size_mb"), 1, 100):
        problems.append(f"{where}: max_size_mb must be a whole number from 1 to 100")


def _field_problems(problems: list[str], where: str, field: dict) -> None:
    if not KEY_RE.match(str(field.get("key", ""))):
        problems.append(f"{where}: key {field.get('key')!r} must be snake_case")
    kind = field.get("type")
    if not isinstance(kind, str) or kind not in FIELD_TYPES:
        problems.append(f"{where}: type {kind!r} is not one of {sorted(FIELD_TYPES)}")
    _bilingual(problems, where, field, "label", max_length=200)
    _bilingual(problems, where, field, "help", required=False, max_length=300)
    if not isinstance(field.get("required"), bool):
        problems.append(f"{where}: required must be true or false")
    choices = _unique_keys(problems, where, field.get("choices") or [], "value", "choice")
    if kind == "choice" and len(choices) < 2:
        problems.append(f"{where}: a choice field needs at least two choices")
    if kind != "choice" and choices:
        problems.append(f"{where}: only choice fields have choices")
    for choice in choices:
        if not KEY_RE.match(str(choice.get("value", ""))):
            problems.append(f"{where}: choice value {choice.get('value')!r} must be snake_case")
        _bilingual(problems, f"{where} choice {choice.get('value')}", choice, "label", max_length=100)
    problems.extend(f"{where}: {p}" for p in field_validation_problems(field.get("validation") or {}))


def field_validation_problems(rules: object) -> list[str]:
    """What is wrong with one form field's validation rules (also used by the admin's FormField.clean)."""
    if not isinstance(rules, dict):
        return ['validation must be a mapping of rule to value, like {"max_length": 100}']
    problems = []
    unknown = {str(key) for key in rules} - VALIDATION_KEYS
    if unknown:
        problems.append(f"unknown validation keys {sorted(unknown)}")
    for key in ("min_length", "max_length"):
        if key in rules and not _is_whole(rules[key], 0, 100_000):
            problems.append(f"{key} must be a whole number")
    for key in ("min", "max"):
        if key in rules and (not isinstance(rules[key], int | float) or isinstance(rules[key], bool)):
            problems.append(f"{key} must be a number")
    for low, high in (("min_length", "max_length"), ("min", "max")):
        if not problems and low in rules and high in rules and rules[low] > rules[high]:
            problems.append(f"{low} is more than {high}")
    if "regex" in rules:
        try:
            re.compile(rules["regex"])
        except (re.error, TypeError) as exc:
            problems.append(f"regex does not compile: {exc}")
        if not rules.get("message_en") or not rules.get("message_hi"):
            problems.append("a regex needs message_en and message_hi for the citizen")
    if "date" in rules and (not isinstance(rules["date"], str) or rules["date"] not in DATE_RULES):
        problems.append(f"validation date must be one of {sorted(DATE_RULES)}")
    return problems


def _money_problem(fee: object) -> str | None:
    try:
        amount = Decimal(str(fee))
    except InvalidOperation:
        return f"fee {fee!r} is not a number of rupees"
    if not amount.is_finite() or amount < 0:
        return "fee is negative" if amount.is_finite() else "fee is not a number of rupees"
    if amount > MAX_FEE or amount != amount.quantize(Decimal("0.01")):
        return f"fee must be at most {MAX_FEE} rupees, with at most two decimals"
    return None


def service_problems(service: dict, department_code: str) -> list[str]:
    """Everything that keeps one service (in the file shape) from being shown to citizens."""
    problems: list[str] = []
    code = service.get("code", "?")
    where = f"service {code}"
    if not str(code).startswith(f"{department_code}-"):
        problems.append(f"{where}: code must start with {department_code}-")
    if service.get("kind") not in KINDS:
        problems.append(f"{where}: kind {service.get('kind')!r} is not one of {sorted(KINDS)}")
    for name, max_length in MAX_LENGTHS.items():
        _bilingual(problems, where, service, name, max_length=max_length)
    for name, max_length in OPTIONAL_MAX_LENGTHS.items():
        _bilingual(problems, where, service, name, required=False, max_length=max_length)
    if money := _money_problem(service.get("fee")):
        problems.append(f"{where}: {money}")
    if not _is_whole(service.get("sla_days"), 0, MAX_SLA_DAYS):
        problems.append(f"{where}: sla_days must be a whole number from 0 to {MAX_SLA_DAYS}")
    fulfilment = service.get("fulfilment")
    if fulfilment not in FULFILMENTS:
        problems.append(f"{where}: fulfilment must be one of {sorted(FULFILMENTS)}")
    connector = service.get("connector") or ""
    if fulfilment == "portal" and connector not in CONNECTORS:
        problems.append(f"{where}: a portal service names a connector from {sorted(CONNECTORS)}")
    if fulfilment != "portal" and connector:
        problems.append(f"{where}: only portal services name a connector")
    documents = _unique_keys(problems, where, service.get("documents") or [], "code", "document")
    fields = _unique_keys(problems, where, service.get("fields") or [], "key", "field")
    if service.get("kind") == "apply" and (not documents or len(fields) < 2):
        problems.append(f"{where}: an apply service needs its documents and at least two form fields")
    for doc in documents:
        _document_problems(problems, f"{where} document {doc.get('code')}", doc)
    for field in fields:
        _field_problems(problems, f"{where} field {field.get('key')}", field)
    return problems


def catalogue_problems(department: object) -> list[str]:
    """Everything wrong with one department's catalogue data; an empty list means it loads."""
    if not isinstance(department, dict):
        return ["expected a department: code, name_en, name_hi and services"]
    problems: list[str] = []
    code = department.get("code", "")
    if not re.match(r"^[A-Z]{2,10}$", str(code)):
        problems.append(f"department code {code!r} must be 2-10 capital letters")
    _bilingual(problems, f"department {code}", department, "name", max_length=200)
    services = department.get("services")
    if not isinstance(services, list) or not all(isinstance(s, dict) for s in services):
        return [*problems, f"department {code}: services must be a list of services"]
    _unique_keys(problems, f"department {code}", services, "code", "service")
    for service in services:
        problems.extend(service_problems(service, str(code)))
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
