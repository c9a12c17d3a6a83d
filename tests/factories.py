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


def service_form_data(department: Department, **overrides) -> dict:
    """What an admin posts to add a service with one document and one form field."""
    data = {
        "code": "MCD-HAWKER", "department": department.pk, "kind": "apply", "is_active": "on",
        "name_en": "Hawker licence", "name_hi": "फेरीवाला लाइसेंस",
        "description_en": "Permission to sell from a cart.", "description_hi": "ठेले से सामान बेचने की अनुमति।",
        "eligibility_en": "Street vendors of Delhi.", "eligibility_hi": "दिल्ली के पथ विक्रेता।",
        "how_to_en": "Send your details on WhatsApp.", "how_to_hi": "अपना विवरण व्हाट्सऐप पर भेजें।",
        "fee": "100", "sla_days": "30", "fulfilment": "officer", "connector": "",
        "documents-TOTAL_FORMS": "1", "documents-INITIAL_FORMS": "0",
        "documents-0-position": "0", "documents-0-code": "vendor_certificate",
        "documents-0-name_en": "Certificate of vending", "documents-0-name_hi": "वेंडिंग प्रमाण पत्र",
        "documents-0-mandatory": "on", "documents-0-accepted_types": '["pdf", "jpg"]', "documents-0-max_size_mb": "5",
        "fields-TOTAL_FORMS": "2", "fields-INITIAL_FORMS": "0",
        "fields-0-position": "0", "fields-0-key": "vending_zone", "fields-0-type": "text", "fields-0-required": "on",
        "fields-0-label_en": "Vending zone", "fields-0-label_hi": "वेंडिंग ज़ोन", "fields-0-validation": "{}",
        "fields-1-position": "1", "fields-1-key": "mobile", "fields-1-type": "phone", "fields-1-required": "on",
        "fields-1-label_en": "Mobile number", "fields-1-label_hi": "मोबाइल नंबर", "fields-1-validation": "{}",
    }  # fmt: skip
    return {**data, **overrides}


def make_citizen(**fields):
    from apps.conversations.models import Citizen

    n = next(_seq)
    values = {"wa_id": f"9198{n:08d}", "name": f"Citizen {n}", "language": "en", **fields}
    return Citizen.objects.create(**values)


def make_conversation(*, citizen=None, number: WhatsAppNumber | None = None, **fields):
    from django.utils import timezone

    from apps.conversations.models import Conversation

    if number is None:
        number = make_number(department=make_department())
    fields.setdefault("last_inbound_at", timezone.now())
    return Conversation.objects.create(citizen=citizen or make_citizen(), number=number, **fields)


def make_application(*, service: Service, conversation=None, state: str = "submitted", answers: dict | None = None,
                     **fields):  # fmt: skip
    """An application as if the citizen had applied in the chat and submitted it (unless state="draft")."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.applications.models import Application
    from apps.core.references import reference_new

    conversation = conversation or make_conversation()
    values = {"answers": answers or {}, "language": conversation.citizen.language or "en", "state": state}
    if state != "draft":
        submitted = fields.pop("submitted_at", timezone.now())
        values |= {
            "reference": fields.pop("reference", reference_new(prefix="DLA")),
            "submitted_at": submitted,
            "due_date": fields.pop("due_date", timezone.localdate(submitted) + timedelta(days=service.sla_days)),
        }
    return Application.objects.create(
        service=service, citizen=conversation.citizen, conversation=conversation, **values, **fields
    )
