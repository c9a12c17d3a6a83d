"""What a certificate's verify page prints (registered with `apps.documents` in `ApplicationsConfig.ready`):
exactly the lines on the certificate, and whether it was revoked."""

from __future__ import annotations

from django.utils import timezone

from apps.core.formatting import date_display
from apps.documents.registry import Verifiable

from .models import Certificate


def certificate_verifiable(token: str) -> Verifiable | None:
    """The certificate with this verify token, as the public page shows it, or None."""
    certificate = Certificate.objects.select_related("application__service__department").filter(token=token).first()
    if certificate is None:
        return None
    return Verifiable(
        template="applications/verify.html",
        context=lambda language, other: _context(certificate, language, other),
        pdf_name="certificate",
        file=certificate.file,
        filename=certificate.number.replace("/", "-") + ".pdf",
        withdrawn=certificate.revoked_at is not None,
    )


def _context(certificate: Certificate, language: str, other: str) -> dict:
    service = certificate.application.service
    revoked = certificate.revoked_at and timezone.localdate(certificate.revoked_at)
    return {
        "certificate": certificate,
        "issued_on": date_display(day=certificate.issued_on),
        "revoked_on": revoked and date_display(day=revoked),
        "revoked_on_other": revoked and date_display(day=revoked, language=other),
        "title": {"en": service.name_en, "hi": service.name_hi or service.name_en},
        "department": {"en": service.department.name_en, "hi": service.department.name_hi},
        "lines": [
            {
                "label": line["label_hi"] if language == "hi" else line["label_en"],
                "other_label": line["label_en"] if language == "hi" else line["label_hi"],
                "value": line["value"],
            }
            for line in certificate.lines
        ],
    }
