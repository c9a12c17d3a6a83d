"""Meta's error shapes, as the Graph fake answers them (doc section 2.1 and Meta's error-code pages)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from tests.fakes.httpfake import Reply, json_reply

#: Default (title, details) for injected error codes (doc section 2.1 and Meta's error-code pages).
KNOWN_ERRORS: dict[int, tuple[str, str]] = {
    0: ("AuthException", "We were unable to authenticate the app user."),
    1: ("API Unknown", "Invalid request or possible server error."),
    2: ("API Service", "Temporary due to downtime or due to being overloaded."),
    4: ("API Too Many Calls", "The app has reached its API call rate limit."),
    10: ("Permission Denied", "Permission is either not granted or has been removed."),
    100: ("Invalid parameter", "The request included invalid or unsupported parameters."),
    190: ("Access token has expired", "Your access token has expired."),
    368: (
        "Temporarily blocked for policies violations",
        "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a "
        "platform policy.",
    ),
    80007: ("Rate limit issues", "The WhatsApp Business Account has reached its rate limit."),
    130429: (
        "Rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number in a short "
        "period of time",
    ),
    131000: ("Something went wrong", "Message failed to send due to an unknown error."),
    131016: ("Service unavailable", "A service is temporarily unavailable."),
    131026: (
        "Message undeliverable",
        "Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone "
        "number; the recipient has not accepted the new Terms of Service; the recipient is using an old "
        "WhatsApp version.",
    ),
    131030: (
        "Recipient phone number not in allowed list",
        "Add recipient phone number to recipient list and try again.",
    ),
    131031: ("Account has been locked", "The WhatsApp Business Account has been restricted or disabled."),
    131042: ("Business eligibility payment issue", "There was an error related to your payment method."),
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    ),
    131048: (
        "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be sent from this phone "
        "number.",
    ),
    131049: (
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
    ),
    131050: ("User stopped marketing messages", "The user has stopped marketing messages from this business."),
    131051: ("Unsupported message type", "Message type is not currently supported."),
    131053: ("Media upload error", "Unable to upload the media used in the message."),
    131056: (
        "(Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number to the same "
        "phone number in a short period of time.",
    ),
    131057: ("Account in maintenance mode", "Business Account is in maintenance mode."),
    131062: ("BSUID recipient not supported", "This message cannot be sent to a business-scoped user ID."),
    132000: (
        "Number of parameters does not match the expected number of params",
        "The number of variable parameter values does not match the number of variables in the template.",
    ),
    132001: ("Template name does not exist in the translation", "The template does not exist in this language."),
    132005: ("Translated text too long", "Translated text is too long."),
    132007: ("Template Format Character Policy Violated", "Template content violates a WhatsApp policy."),
    132012: ("Parameter format does not match format in the created template", "Parameter format mismatch."),
    132015: ("Template is Paused", "Template is paused due to low quality."),
    132016: ("Template is Disabled", "Template has been paused too many times due to low quality."),
}


def default_http_status(code: int) -> int:
    """Meta: most errors are HTTP 400; 190 and 0 are 401; 10 is 403 (doc section 2.1)."""
    return {0: 401, 190: 401, 10: 403}.get(code, 400)


@dataclass
class Failure:
    code: int
    http_status: int
    title: str
    details: str


def failure_for(code: int, http_status: int | None = None, title: str = "", details: str = "") -> Failure:
    return Failure(code, http_status if http_status is not None else default_http_status(code), title, details)


def fbtrace_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(17)).decode().rstrip("=")[:23]


def error_reply(
    http_status: int,
    code: int,
    message: str,
    *,
    details: str | None = None,
    type_: str = "OAuthException",
    subcode: int | None = None,
    user_title: str | None = None,
    user_msg: str | None = None,
) -> Reply:
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if user_title:
        error["error_user_title"] = user_title
    if user_msg:
        error["error_user_msg"] = user_msg
    error["fbtrace_id"] = fbtrace_id()
    headers = {}
    if http_status == 401:
        headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{message}"'
    return json_reply(http_status, {"error": error}, headers=headers)


def invalid_reply(details: str) -> Reply:
    return error_reply(400, 100, "(#100) Invalid parameter", details=details)


def auth_reply() -> Reply:
    return error_reply(401, 190, "Invalid OAuth access token - Cannot parse access token")


def no_object_reply(method: str, object_id: str) -> Reply:
    return error_reply(
        400,
        100,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation. Please read the Graph API documentation at "
        "https://developers.facebook.com/docs/graph-api",
        type_="GraphMethodException",
        subcode=33,
    )


def failure_reply(f: Failure) -> Reply:
    default_title, default_details = KNOWN_ERRORS.get(f.code, ("Error", "The request failed."))
    title = f.title or default_title
    details = f.details or default_details
    return error_reply(
        f.http_status,
        f.code,
        f"(#{f.code}) {title}",
        details=details,
        user_title=f.title or None,
        user_msg=(f.details or None) if f.title else None,
    )
