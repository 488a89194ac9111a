from django.urls import path

from posts import views
from posts.search import views as search_views

app_name = "posts"

urlpatterns = [
    path("", views.home, name="home"),
    path("posts/", views.PostListView.as_view(), name="list"),
    path("posts/<slug:slug>/", views.PostDetailView.as_view(), name="detail"),
    path("topics/", views.topic_index, name="topics"),
    path("topics/<slug:slug>/", views.TopicDetailView.as_view(), name="topic"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person"),
    path("search/", search_views.search, name="search"),
]
