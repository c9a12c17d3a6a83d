"""What the conversation floor itself tells a citizen (the bot's own texts are in `engine/texts.py`)."""

from django.utils.translation import gettext_lazy as _

HANDED_BACK = _("The officer has finished. You are back with the assistant: write MENU to see the services.")
