"""The ids of the bot's buttons and list rows. Each carries what is needed to act on it, so a button
tapped long after it was sent still works, whatever the conversation's state is now."""

LANGUAGE_HI, LANGUAGE_EN = "lang:hi", "lang:en"
CONSENT_YES, CONSENT_NO = "consent:yes", "consent:no"
MENU, BACK, OFFICER = "nav:menu", "nav:back", "nav:officer"
STATUS_REFERENCE, STATUS_MINE = "status:ask", "status:mine"


def category(key: str) -> str:
    """A category row; the gateway's "more" row adds ":<page>"."""
    return f"cat:{key}"


def service(code: str) -> str:
    return f"svc:{code}"


def action(flow: str, code: str) -> str:
    """A next-step button of a service's card: start `flow` for service `code`."""
    return f"act:{flow}:{code}"
