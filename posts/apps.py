from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "posts"
    verbose_name = "Posts"

    def ready(self):
        from django.db.models.signals import post_migrate

        from flse_hub import freshness
        from posts import (
            revisions,  # noqa: F401  (registers posts with django-reversion)
            roles,
        )
        from posts.models import Credit, Post, Resource, TaggedPost, Topic
        from posts.search import signals  # noqa: F401  (connects the index receivers)

        freshness.register_public_models(Post, Credit, Resource, Topic, TaggedPost)
        # A scheduled post appears when its time comes, with no write to bump the version.
        freshness.register_publication_times(
            lambda: (
                Post.objects.published()
                .order_by("-published_at")
                .values_list("published_at", flat=True)
            )
        )
        # Every migrate, on a fresh database or an existing one, resets the groups.
        post_migrate.connect(roles.sync_after_migrate, sender=self, dispatch_uid="posts.roles")
