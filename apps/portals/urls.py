from django.urls import path

from . import demo, views

app_name = "portals"

urlpatterns = [
    path("portals/<str:connector>/callback/", views.portal_callback, name="callback"),
    path("demo-portal/<str:connector>/applications/", demo.demo_submit, name="demo-submit"),
    path("demo-portal/<str:connector>/applications/<str:reference>/", demo.demo_status, name="demo-status"),
    path("demo-portal/<str:connector>/lookup/<str:service>/", demo.demo_lookup, name="demo-lookup"),
    path("demo-portal/<str:connector>/dues/<str:service>/", demo.demo_dues, name="demo-dues"),
    path("demo-portal/<str:connector>/dues/<str:service>/paid/", demo.demo_dues_paid, name="demo-dues-paid"),
]
