"""The sandbox gateway's hosted checkout (mounted at pay/)."""

from django.urls import path

from . import checkout

app_name = "checkout"

urlpatterns = [
    path("<str:order_id>/", checkout.checkout_page, name="page"),
]
