"""Issuing certificates for approved applications, and revoking them.

`certificate_issue` prints what the department certifies (the service's `certificate_fields`, formatted for
print) into the bilingual PDF of `pdf.certificate_pdf`, keeps those lines on the `Certificate` row (the public
verify page shows exactly them), moves the application to "issued" and queues the PDF to the citizen on
WhatsApp. It holds the application's row lock, so issuing twice gives the one certificate and one message.
"""

from __future__ import annotations

import datetime
import logging
import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext

from apps.core.exceptions import ApplicationError
from apps.core.formatting import date_display
from apps.core.references import token_unique, value_unique
from apps.departments.models import Officer
from apps.documents.links import verify_pdf_url, verify_url
from apps.services.models import FormField, Service

from .models import Application, Certificate
from .pdf import CertificateLine, certificate_pdf
from .services import application_transition

logger = logging.getLogger(__name__)

# Never printed unless the service names them in `certificate_fields`: they identify or reach the citizen,
# and a certificate is shown to strangers.
UNPRINTED_TYPES = {FormField.Type.AADHAAR, FormField.Type.PHONE, FormField.Type.EMAIL}
YES, NO = "Yes / हाँ", "No / नहीं"
APPLICANT = ("Name of the applicant", "आवेदक का नाम")
NUMBER_MAX = Certificate._meta.get_field("number").max_length


def certificate_issue(*, application: Application, officer: Officer) -> Certificate:
    """Issue the certificate of an approved application and send it to the citizen.

    Renders and stores the PDF, records the printed lines, moves the application to "issued" (which queues the
    status text) and queues the PDF as a WhatsApp document. Only from "approved" (else ApplicationError);
    called again for an application that has its certificate, returns that one and changes nothing.
    """
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("service__department", "citizen", "conversation__citizen")
            .get(pk=application.pk)
        )
        existing = Certificate.objects.filter(application=application).first()
        if existing is not None:
            return existing
        if application.state != Application.State.APPROVED:
            raise ApplicationError(
                f"Only an approved application gets a certificate; {application} is "
                f"{application.get_state_display().lower()}."
            )
        certificate = _certificate_build(application=application, officer=officer)
        try:
            application_transition(application=application, to=Application.State.ISSUED, actor="officer",
                                   officer=officer)  # fmt: skip
            # The gateway writes the message row in this transaction (the outbox) and sends it after commit:
            # the document goes out exactly when the certificate exists, and only the first time.
            _document_queue(application=application, certificate=certificate)
        except Exception:
            certificate.file.delete(save=False)
            raise
    return certificate


def _certificate_build(*, application: Application, officer: Officer) -> Certificate:
    service = application.service
    department = service.department
    issued_on = timezone.localdate()
    lines = certificate_lines(application=application)
    certificate = Certificate(
        application=application,
        number=value_unique(model=Certificate, field="number", new=lambda: certificate_number_new(service=service)),
        token=token_unique(model=Certificate), issued_on=issued_on, issued_by=officer,
        lines=[{"label_en": line.label_en, "label_hi": line.label_hi, "value": line.value} for line in lines],
    )  # fmt: skip
    signer = officer.get_full_name() or officer.get_username()
    content = certificate_pdf(
        title_en=service.name_en, title_hi=service.name_hi, department_en=department.name_en,
        department_hi=department.name_hi, reference=application.reference or "",
        certificate_number=certificate.number, issued_on=issued_on, lines=lines,
        verify_url=certificate_verify_url(certificate=certificate), signed_by=f"{signer}, {department.name_en}",
    )  # fmt: skip
    certificate.file.save(certificate.number.replace("/", "-") + ".pdf", ContentFile(content), save=False)
    try:
        certificate.save()
    except Exception:
        certificate.file.delete(save=False)
        raise
    return certificate


def certificate_number_new(*, service: Service) -> str:
    """`<SERVICE-CODE>/<YYYY>/<7 random digits>`, the code shortened if the whole would not fit the column."""
    tail = f"/{timezone.localdate():%Y}/{secrets.randbelow(10**7):07d}"
    return service.code[: NUMBER_MAX - len(tail)].rstrip("-") + tail


def certificate_verify_url(*, certificate: Certificate) -> str:
    """The public page the QR code points at."""
    return verify_url(token=certificate.token)


def certificate_pdf_url(*, certificate: Certificate) -> str:
    """The public address of the PDF (Meta fetches the WhatsApp document from it)."""
    return verify_pdf_url(token=certificate.token, pdf_name="certificate")


def certificate_lines(*, application: Application) -> list[CertificateLine]:
    """What the certificate prints: the service's `certificate_fields` in order, or every answered field but
    Aadhaar, mobile and email. The citizen's WhatsApp profile name comes first only when the service asks for
    no name at all (a service that asks for one but does not print it means not to)."""
    fields = {field.key: field for field in application.service.fields.prefetch_related("choices")}
    keys = application.service.certificate_fields or [
        key for key, field in fields.items() if field.type not in UNPRINTED_TYPES
    ]
    lines = []
    for key in keys:
        field, value = fields.get(key), application.answers.get(key)
        if field is None:
            logger.warning("Service %s prints %r, which is not one of its fields", application.service.code, key)
            continue
        if value in (None, ""):
            continue
        lines.append(CertificateLine(field.label_en, field.label_hi or field.label_en, value_for_print(field, value)))
    if not any("name" in key for key in fields) and application.citizen.name.strip():
        lines.insert(0, CertificateLine(*APPLICANT, application.citizen.name.strip()))
    return lines


def value_for_print(field: FormField, value) -> str:
    """An answer as the certificate prints it: dates "12 March 2019", choices and yes/no in both languages."""
    if field.type == FormField.Type.YESNO:
        return YES if value in (True, "yes", "true", "True") else NO
    if field.type == FormField.Type.DATE:
        try:
            day = datetime.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return date_display(day=day, language="en")
    if field.type == FormField.Type.CHOICE:
        choice = next((c for c in field.choices.all() if c.value == value), None)
        if choice is None:
            return str(value)
        labels = [choice.label_en, choice.label_hi]
        return " / ".join(dict.fromkeys(label for label in labels if label))
    return str(value)


def _document_queue(*, application: Application, certificate: Certificate) -> None:
    from apps.conversations import outbound

    conversation = application.conversation
    with translation.override(conversation.citizen.language or application.language or "en"):
        caption = gettext("%(service)s, application %(reference)s") % {
            "service": application.service.name,
            "reference": application.reference,
        }
    outbound.media(
        conversation=conversation, kind="document", link=certificate_pdf_url(certificate=certificate),
        filename=f"{slugify(application.service.name_en) or 'certificate'}-{application.reference}.pdf",
        caption=caption, purpose=outbound.NOTIFICATION,
    )  # fmt: skip


def certificate_revoke(*, certificate: Certificate, officer: Officer, reason: str) -> Certificate:
    """Revoke a certificate (issued in error, or obtained by fraud): the verify page then says so in red, and
    its PDF is no longer served. For an admin of the issuing department (or state-wide); the reason is kept
    for the record, not shown publicly. Revoking again changes nothing."""
    if not reason or not reason.strip():
        raise ApplicationError("Give the reason for revoking the certificate.")
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update().select_related("application__service").get(pk=certificate.pk)
        )
        if not _may_revoke(officer, certificate):
            raise ApplicationError("Only an admin of the department that issued it can revoke a certificate.")
        if certificate.revoked_at is not None:
            return certificate
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason.strip()
        certificate.save(update_fields=["revoked_at", "revoked_reason", "updated_at"])
    logger.info("Certificate %s revoked by %s", certificate.number, officer.get_username())
    return certificate


def _may_revoke(officer: Officer, certificate: Certificate) -> bool:
    if officer.is_superuser or officer.role == Officer.Role.STATE_ADMIN:
        return True
    return (
        officer.role == Officer.Role.DEPARTMENT_ADMIN
        and officer.department_id == certificate.application.service.department_id
    )
