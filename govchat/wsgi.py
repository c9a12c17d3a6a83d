"""The WSGI application gunicorn serves.

Meta's webhook, by far the busiest route, is served by a lean Django handler: the same view, request
and response classes, signals and error handling as every other route, but behind only the middleware it
needs (`WEBHOOK_MIDDLEWARE`) and without URL resolution; every other path goes through the full stack.
"""

import os

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govchat.settings")
full_application = get_wsgi_application()

# Below: modules that need the apps loaded.
from django.conf import settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from apps.core.checks import refuse_unsafe_production  # noqa: E402
from apps.whatsapp.views import whatsapp_webhook  # noqa: E402


class LeanHandler(WSGIHandler):
    """Django's WSGI handler for one view behind a short list of middleware (dotted paths)."""

    def __init__(self, view, middleware: list[str]):
        self.view, self.middleware = view, middleware
        super().__init__()

    def load_middleware(self, is_async=False):
        handler = convert_exception_to_response(self._view)
        for path in reversed(self.middleware):
            handler = convert_exception_to_response(import_string(path)(handler))
        self._middleware_chain = handler

    def _view(self, request):
        request.get_host()  # ALLOWED_HOSTS, which CommonMiddleware checks on every other route: else a 400
        response = self.view(request)
        response["Content-Length"] = str(len(response.content))  # as CommonMiddleware sets it
        return response


webhook_application = LeanHandler(whatsapp_webhook, settings.WEBHOOK_MIDDLEWARE)
WEBHOOK_PATH = reverse("whatsapp:webhook")


def application(environ, start_response):
    if environ.get("PATH_INFO") == WEBHOOK_PATH:
        return webhook_application(environ, start_response)
    return full_application(environ, start_response)


refuse_unsafe_production()
