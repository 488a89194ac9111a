from django.urls import path

from flse_hub.caching import public_page
from posts import feeds, views
from posts.previews import views as preview_views
from posts.search import views as search_views

app_name = "posts"

urlpatterns = [
    path("", public_page(views.home), name="home"),
    path("posts/", public_page(views.PostListView.as_view()), name="list"),
    path("posts/<slug:slug>/", public_page(views.PostDetailView.as_view()), name="detail"),
    path(
        "posts/<slug:slug>/cite.bib",
        public_page(views.cite),
        {"fmt": "bibtex"},
        name="cite-bibtex",
    ),
    path("posts/<slug:slug>/cite.ris", public_page(views.cite), {"fmt": "ris"}, name="cite-ris"),
    path("topics/", public_page(views.topic_index), name="topics"),
    path("topics/<slug:slug>/", public_page(views.TopicDetailView.as_view()), name="topic"),
    path("people/<slug:slug>/", public_page(views.PersonDetailView.as_view()), name="person"),
    # Feeds: every public post, per topic, per person; Atom and RSS each.
    path("feeds/atom/", public_page(feeds.PostFeed.view()), name="feed-atom"),
    path("feeds/rss/", public_page(feeds.PostRssFeed.view()), name="feed-rss"),
    path(
        "feeds/topics/<slug:slug>/atom/",
        public_page(feeds.TopicFeed.view()),
        name="topic-feed-atom",
    ),
    path(
        "feeds/topics/<slug:slug>/rss/",
        public_page(feeds.TopicRssFeed.view()),
        name="topic-feed-rss",
    ),
    path(
        "feeds/people/<slug:slug>/atom/",
        public_page(feeds.PersonFeed.view()),
        name="person-feed-atom",
    ),
    path(
        "feeds/people/<slug:slug>/rss/",
        public_page(feeds.PersonRssFeed.view()),
        name="person-feed-rss",
    ),
    # Kept briefly: readers' queries are many and each is asked rarely.
    path("search/", public_page(search_views.search, cache_seconds=60), name="search"),
    # Not public_page: each answer is for the holder of the link alone (never cached).
    path("preview/<str:token>/", preview_views.preview, name="preview"),
]
