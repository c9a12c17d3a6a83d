from django.urls import path

from .views import WhatsAppWebhookApi

app_name = "whatsapp"
urlpatterns = [path("whatsapp/", WhatsAppWebhookApi.as_view(), name="webhook")]
