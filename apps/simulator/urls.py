from django.urls import path

from .views import (
    SimulatorConversationApi,
    SimulatorPageView,
    SimulatorReceiptsApi,
    SimulatorSendApi,
    SimulatorUploadApi,
)

app_name = "simulator"
urlpatterns = [
    path("", SimulatorPageView.as_view(), name="page"),
    path("api/conversation", SimulatorConversationApi.as_view(), name="conversation"),
    path("api/send", SimulatorSendApi.as_view(), name="send"),
    path("api/upload", SimulatorUploadApi.as_view(), name="upload"),
    path("api/receipts", SimulatorReceiptsApi.as_view(), name="receipts"),
]
