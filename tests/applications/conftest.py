# The chat tests drive the apply journey through the real webhook path, with the conversation tests' phone.
from tests.conversations.conftest import catalogue, catalogue_files, chat  # noqa: E402, F401
from tests.whatsapp.conftest import _whatsapp_settings, numbers, post_webhook  # noqa: E402, F401
