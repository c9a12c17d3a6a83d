"""Which app answers for a verify token: each app that issues documents registers a resolver at start-up.

The verify page belongs to no issuing app (a certificate's and a receipt's QR codes open the same address),
and this app imports none of them: applications and payments call `verifier_register` from their
`AppConfig.ready()`, and their resolver turns a token into what the page prints and the PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models.fields.files import FieldFile


@dataclass(frozen=True)
class Verifiable:
    """A document found by its token: the page that shows what it prints, and its PDF.

    `context(language, other)` gives the template's context, called with `language` active (`other` is the
    language the page links to). `pdf_name` is the PDF's file name under the token's address
    (`/verify/<token>/<pdf_name>.pdf`). A `withdrawn` document (a certificate revoked, a payment refunded) no
    longer proves anything: its page says so and its PDF is not served.
    """

    template: str
    context: Callable[[str, str], dict]
    pdf_name: str
    file: FieldFile | None
    filename: str
    withdrawn: bool = False


Resolver = Callable[[str], Verifiable | None]
_resolvers: dict[str, Resolver] = {}


def verifier_register(kind: str, resolver: Resolver) -> None:
    """Let `resolver` answer for tokens of this kind of document (registering a kind again replaces it)."""
    _resolvers[kind] = resolver


def verifiable_find(*, token: str) -> Verifiable | None:
    """The document with this token, asking each kind in the order the apps registered; None if none has it."""
    for resolver in _resolvers.values():
        found = resolver(token)
        if found is not None:
            return found
    return None
