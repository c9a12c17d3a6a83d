from django.urls import path

from . import views

app_name = "documents"

# Public, no login: the address printed under a certificate's or a receipt's QR code. Printed QR codes hold
# these addresses: they never change.
urlpatterns = [
    path("<str:token>/", views.document_verify, name="verify"),
    path("<str:token>/<slug:pdf_name>.pdf", views.document_verify_pdf, name="verify_pdf"),
    # Anything else under /verify/ (a code cut short or run together with other text): the same bilingual 404.
    path("", views.document_unknown),
    path("<path:rest>", views.document_unknown),
]
