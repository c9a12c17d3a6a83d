import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govchat.settings")
application = get_asgi_application()

from apps.core.checks import refuse_unsafe_production  # noqa: E402  (needs the apps loaded)

refuse_unsafe_production()
