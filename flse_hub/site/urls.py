from django.urls import path

from flse_hub.caching import public_page
from flse_hub.site import views

app_name = "site"

urlpatterns = [
    path("favicon.ico", views.favicon, name="favicon"),
    path("apple-touch-icon.png", views.apple_touch_icon, name="apple-touch-icon"),
    path("icons/icon-<int:size>.png", views.icon, name="icon"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("<slug:slug>/", public_page(views.page), name="page"),
]
