"""Payments: asking for money, learning that it arrived, and what follows (the application moves on, the
receipt goes to the citizen), once, whichever way the news comes.

News of a payment comes three ways, in any order and any number of times: the gateway's signed callback,
the reconciliation on beat that asks the gateway about links still open, and (for the sandbox) its
checkout page. All of them end in `payment_settle`, which holds the payment's row lock and moves it only
forward, so a late or repeated callback is applied exactly once. Money never moves silently where it
should not: an amount or currency that does not match, or a second payment for what is already paid, is
flagged for an officer (`needs_attention`), who refunds it.
"""

from .checkout import (
    Demand,
    callback_url,
    payment_failed_notify,
    payment_for_application,
    payment_for_demand,
    payment_link_cancel,
)
from .reconciliation import (
    payment_reconcile,
    payments_effects_unfinished,
    payments_portal_unnotified,
    payments_to_reconcile,
)
from .refunds import payment_refund, payment_refunded_notify
from .settlement import payment_callback_receive, payment_paid_effects, payment_portal_notify, payment_settle

__all__ = [
    "Demand",
    "callback_url",
    "payment_callback_receive",
    "payment_failed_notify",
    "payment_for_application",
    "payment_for_demand",
    "payment_link_cancel",
    "payment_paid_effects",
    "payment_portal_notify",
    "payment_reconcile",
    "payment_refund",
    "payment_refunded_notify",
    "payment_settle",
    "payments_effects_unfinished",
    "payments_portal_unnotified",
    "payments_to_reconcile",
]
