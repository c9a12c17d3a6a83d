"""The conversation engine: a state machine over `Conversation` rows that answers citizens' messages.

`engine_handle(conversation=, message=)` is called by `services.inbound_message_process` for each inbound
message, in order, with the conversation's row locked. See `core.py` for the order of precedence,
`screens.py` for what the bot shows, `flows.py` for journeys, and `texts.py` for every text it sends.
"""

from .core import consented, engine_handle

__all__ = ["consented", "engine_handle"]
