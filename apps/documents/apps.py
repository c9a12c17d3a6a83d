from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    label = "documents"
    name = "apps.documents"
    verbose_name = _("Documents")
