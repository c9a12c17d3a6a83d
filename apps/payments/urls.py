from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("callback/<slug:provider>/", views.payment_callback, name="callback"),
]
