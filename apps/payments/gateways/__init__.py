"""Payment gateways behind one interface (`base.Gateway`). `gateway_get()` gives the configured one:
`PAYMENT_GATEWAY=sandbox` (the default: a checkout page inside govchat) or `razorpay`. A third provider
(PayU, SBI ePay, PayGov) is one new module with the same six methods, added to `PROVIDERS`."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings

from .base import Gateway

PROVIDERS = {"sandbox": "apps.payments.gateways.sandbox", "razorpay": "apps.payments.gateways.razorpay"}


def gateway_get(name: str | None = None) -> Gateway:
    """The gateway by provider name (default: PAYMENT_GATEWAY)."""
    name = name or settings.PAYMENT_GATEWAY
    if name not in PROVIDERS:
        raise LookupError(f"Unknown payment gateway {name!r}")
    return import_module(PROVIDERS[name]).gateway()
