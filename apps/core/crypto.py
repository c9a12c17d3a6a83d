"""Encryption of secrets kept in the database (access tokens), with keys from FIELD_ENCRYPTION_KEYS.

MultiFernet encrypts with the first key and decrypts with any, so keys rotate without a migration:
put the new key first, run `manage.py rotate_field_keys`, then drop the old key. Each app that keeps
secrets registers what rotates them (`secret_rotator_register`, in its `ready()`), so the command, here at
the bottom, imports none of them.
"""

import base64
import hashlib
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from .exceptions import ApplicationError


def _fernet() -> MultiFernet:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        # Embedded default only (the production check refuses it): a key derived from SECRET_KEY.
        digest = hashlib.sha256(f"govchat-field-key:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def secret_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ApplicationError("The stored secret cannot be decrypted with the configured keys.") from exc


def secret_rotate(token: str) -> str:
    return _fernet().rotate(token.encode()).decode()


_ROTATORS: dict[str, Callable[[], int]] = {}


def secret_rotator_register(*, label: str, rotate: Callable[[], int]) -> None:
    """Have `rotate_field_keys` re-encrypt an app's stored secrets with the newest key: `rotate()` returns how
    many it re-encrypted, `label` names them in the command's output. Registering a label again replaces it."""
    _ROTATORS[label] = rotate


def secret_rotators() -> dict[str, Callable[[], int]]:
    """The registered rotators by label, in the order the apps registered them."""
    return dict(_ROTATORS)
