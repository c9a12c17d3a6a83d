"""What the citizen reads about a payment outside the chat's own flow (Hindi in locale/hi/LC_MESSAGES)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

PAID = _("Payment received: %(amount)s for %(what)s. Reference %(reference)s. Your receipt is attached.")
FAILED = _("The payment of %(amount)s for %(what)s did not go through. No money was taken; you can try again.")
PAY_AGAIN = pgettext_lazy("button", "Pay again")
REFUNDED = _(
    "%(amount)s paid for %(what)s (reference %(reference)s) has been refunded to you. Reason: %(reason)s It "
    "reaches your account in a few working days."
)
