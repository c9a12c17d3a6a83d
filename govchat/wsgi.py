import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govchat.settings")
application = get_wsgi_application()

from apps.core.checks import refuse_unsafe_production  # noqa: E402  (needs the apps loaded)

refuse_unsafe_production()
