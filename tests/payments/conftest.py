# The chat tests pay through the real webhook path, with the conversation tests' phone.
from tests.applications.test_apply_chat import form  # noqa: F401
from tests.conversations.conftest import catalogue, catalogue_files, chat  # noqa: F401
from tests.whatsapp.conftest import _whatsapp_settings, numbers, post_webhook  # noqa: F401
