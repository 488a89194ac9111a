from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "posts.media"
    label = "media"
    verbose_name = "Media library"

    def ready(self):
        from flse_hub import freshness
        from posts.media.models import Document, Image

        # A changed caption, credit or alt text changes every page that shows the image.
        freshness.register_public_models(Image, Document)
