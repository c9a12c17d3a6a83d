from django.urls import path

app_name = "simulator"
urlpatterns: list = []  # the simulator's pages and its JSON endpoints
