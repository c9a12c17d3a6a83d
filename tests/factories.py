"""Builders for the rows tests need; each takes keyword overrides."""

from decimal import Decimal
from itertools import count

from apps.departments.models import Department, Officer, WhatsAppNumber
from apps.departments.services import officer_upsert
from apps.services.models import FormField, RequiredDocument, Service

_seq = count(1)
PASSWORD = "correct-horse-battery-staple"


def make_department(*, code: str | None = None, **fields) -> Department:
    n = next(_seq)
    return Department.objects.create(
        code=code or f"D{chr(65 + n % 26)}{chr(65 + n // 26 % 26)}",
        name_en=fields.pop("name_en", f"Department {n}"),
        name_hi=fields.pop("name_hi", f"विभाग {n}"),
        **fields,
    )


def make_service(*, department: Department, code: str | None = None, **fields) -> Service:
    n = next(_seq)
    values = {
        "kind": Service.Kind.APPLY,
        "name_en": f"Certificate {n}",
        "name_hi": f"प्रमाण पत्र {n}",
        "description_en": "What it is.",
        "description_hi": "यह क्या है।",
        "eligibility_en": "Residents of Delhi.",
        "eligibility_hi": "दिल्ली के निवासी।",
        "how_to_en": "Apply on WhatsApp.",
        "how_to_hi": "व्हाट्सऐप पर आवेदन करें।",
        "fee": Decimal("0"),
        "sla_days": 14,
        **fields,
    }
    return Service.objects.create(department=department, code=code or f"{department.code}-SVC{n}", **values)


def make_document(*, service: Service, code: str = "proof_of_address") -> RequiredDocument:
    return RequiredDocument.objects.create(
        service=service, code=code, name_en="Proof of address", name_hi="पते का प्रमाण", accepted_types=["pdf", "jpg"]
    )


def make_field(*, service: Service, key: str = "applicant_name") -> FormField:
    return FormField.objects.create(service=service, key=key, label_en="Full name", label_hi="पूरा नाम")


def make_number(*, department: Department, **fields) -> WhatsAppNumber:
    n = next(_seq)
    return WhatsAppNumber.objects.create(
        department=department,
        phone_number_id=fields.pop("phone_number_id", f"1000000{n:05d}"),
        display_number=fields.pop("display_number", f"+9111000{n:05d}"),
        label=fields.pop("label", f"Helpline {n}"),
        **fields,
    )


def make_officer(*, role: str = Officer.Role.OFFICER, department: Department | None = None, **fields) -> Officer:
    return officer_upsert(
        username=fields.pop("username", f"officer{next(_seq)}"),
        password=PASSWORD,
        role=role,
        department=department,
        **fields,
    )
