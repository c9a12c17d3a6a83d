from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

# MEDIA is never served as public files, not even with DEBUG on: it holds citizens' documents, which
# are shown only through views that check the officer's department.
urlpatterns = [
    path("webhooks/", include("apps.whatsapp.urls")),  # first: the busiest route is resolved soonest
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # the back office's English/हिंदी switch
    path("simulator/", include("apps.simulator.urls")),
    path("verify/", include("apps.documents.urls")),  # public: what a certificate's or receipt's QR code opens
    path("payments/", include("apps.payments.urls")),  # gateways' signed callbacks
    path("pay/", include("apps.payments.checkout_urls")),  # the sandbox gateway's hosted checkout page
    path("", include("apps.portals.urls")),  # portals/<connector>/callback/, demo-portal/
]
