"""What the citizen reads about their application when it moves (Hindi in locale/hi/LC_MESSAGES).

The engine's own texts for the apply journey are in `apps/conversations/engine/texts.py`; these are the
updates sent when an officer, the portal or a payment moves the application, possibly days later.
"""

from django.utils.translation import gettext_lazy as _

UPDATES = {
    "payment_pending": _(
        "Your application %(reference)s for %(service)s is saved. It goes to the department once the fee is paid."
    ),
    "submitted": _(
        "Your application %(reference)s for %(service)s has reached the department. By law it must be dealt with "
        "by %(due)s."
    ),
    "forwarded": _(
        "Your application %(reference)s for %(service)s has been sent to the department's online system. "
        "It is due by %(due)s."
    ),
    "under_review": _("An officer is now checking your application %(reference)s for %(service)s."),
    "documents_requested": _(
        "The officer needs something more for your application %(reference)s (%(service)s):\n\n%(note)s\n\n"
        "Please send it here as a photo or a PDF."
    ),
    "approved": _(
        "Good news: your application %(reference)s for %(service)s is approved. The certificate will be sent here."
    ),
    "rejected": _(
        "Your application %(reference)s for %(service)s was not approved.\n\nReason: %(reason)s\n\n"
        "You can apply again, or write OFFICER to ask about it."
    ),
    "issued": _(
        "Your %(service)s is ready (application %(reference)s). It is attached here. Anyone can check it is "
        "genuine by scanning the QR code on it."
    ),
    "issued_by_portal": _(
        "Your %(service)s is ready (application %(reference)s). The department will tell you how to collect it; "
        "you can also download it from the department's website."
    ),
    "cancelled": _("Your application for %(service)s is cancelled."),
    "expired": _("Your unfinished application for %(service)s was closed after a long break."),
}
