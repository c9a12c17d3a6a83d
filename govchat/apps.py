from django.contrib.admin.apps import AdminConfig


class GovChatAdminConfig(AdminConfig):
    default_site = "govchat.admin.GovChatAdminSite"
