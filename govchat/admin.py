from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class GovChatAdminSite(admin.AdminSite):
    """The officers' back office. Later issues add the dashboard URLs here through get_urls()."""

    site_header = _("govchat back office · Government of NCT of Delhi")
    site_title = _("govchat")
    index_title = _("Departments, services and citizens' requests")
    site_url = None  # there is no public site: citizens use WhatsApp
