"""References citizens quote (DLA/DLP/DLG + two-digit year + seven digits), and other unique random values
(verify tokens, certificate and receipt numbers), found free by one retry loop.

Random rather than sequential, so that one reference does not reveal how many there are or let anyone walk
through other citizens' requests; the column's unique constraint catches the rare repeat that slips between
the check and the INSERT.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.db import models
from django.utils import timezone

from .exceptions import ApplicationError

ATTEMPTS = 20


def reference_new(*, prefix: str) -> str:
    """A fresh reference: the prefix, the two-digit year and seven random digits (`DLA260001234`)."""
    return f"{prefix}{timezone.localdate():%y}{secrets.randbelow(10**7):07d}"


def token_new() -> str:
    """A 192-bit capability token (32 URL-safe characters), as printed in a verify QR code."""
    return secrets.token_urlsafe(24)


def value_unique(*, model: type[models.Model], field: str, new: Callable[[], str]) -> str:
    """A value from `new()` that no row of `model` has in `field` yet (ApplicationError after 20 tries)."""
    for _ in range(ATTEMPTS):
        value = new()
        if not model._default_manager.filter(**{field: value}).exists():
            return value
    raise ApplicationError(f"Could not find a free {model._meta.verbose_name} {field}; try again.")


def reference_unique(*, model: type[models.Model], field: str = "reference", prefix: str) -> str:
    """A fresh reference with this prefix that no row of `model` has yet."""
    return value_unique(model=model, field=field, new=lambda: reference_new(prefix=prefix))


def token_unique(*, model: type[models.Model], field: str = "token") -> str:
    """A fresh verify token that no row of `model` has yet."""
    return value_unique(model=model, field=field, new=token_new)
