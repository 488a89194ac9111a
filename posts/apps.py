from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "posts"
    verbose_name = "Posts"

    def ready(self):
        from posts.search import signals  # noqa: F401  (connects the index receivers)
