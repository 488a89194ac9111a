from django.urls import path

from flse_hub.caching import public_page
from flse_hub.site import views

app_name = "site"

urlpatterns = [
    path("<slug:slug>/", public_page(views.page), name="page"),
]
