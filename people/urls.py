from django.urls import path

from flse_hub.caching import public_page
from people import feeds, views

app_name = "people"

urlpatterns = [
    path("newsletter/", views.newsletter, name="newsletter"),
    path("newsletter/check-your-email/", views.check_email, name="newsletter-check-email"),
    path("newsletter/manage/", views.manage_request, name="newsletter-manage-request"),
    path("newsletter/manage/<str:token>/", views.manage, name="newsletter-manage"),
    path("newsletter/confirm/<str:token>/", views.confirm, name="newsletter-confirm"),
    path("newsletter/unsubscribe/<str:token>/", views.unsubscribe, name="newsletter-unsubscribe"),
    path(
        "newsletter/unsubscribe/<str:token>/one-click/",
        views.one_click_unsubscribe,
        name="newsletter-one-click",
    ),
    path("newsletter/privacy/", views.privacy, name="privacy"),
    path("newsletter/issues/", public_page(views.issue_archive), name="newsletter-issues"),
    path(
        "newsletter/issues/feed/",
        public_page(feeds.IssueFeed()),
        name="newsletter-issues-feed",
    ),
    path(
        "newsletter/webhooks/postmark/",
        views.provider_webhook,
        name="newsletter-provider-webhook",
    ),
    path(
        "newsletter/issues/<slug:slug>/",
        public_page(views.issue_detail),
        name="newsletter-issue",
    ),
]
