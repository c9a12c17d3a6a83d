from django.urls import path

from . import views

app_name = "applications"

# Public, no login: the address printed under a certificate's QR code.
urlpatterns = [
    path("<str:token>/", views.certificate_verify, name="verify"),
    path("<str:token>/certificate.pdf", views.certificate_verify_pdf, name="verify_pdf"),
    path("<str:token>/receipt.pdf", views.receipt_verify_pdf, name="verify_receipt_pdf"),
    # Anything else under /verify/ (a code cut short or run together with other text): the same bilingual 404.
    path("", views.certificate_unknown),
    path("<path:rest>", views.certificate_unknown),
]
