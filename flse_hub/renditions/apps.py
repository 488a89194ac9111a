from django.apps import AppConfig


class RenditionsConfig(AppConfig):
    name = "flse_hub.renditions"
    label = "renditions"
    verbose_name = "Image renditions"

    def ready(self):
        from flse_hub import freshness, uploads
        from flse_hub.renditions import signals
        from flse_hub.renditions.models import Rendition

        # A rendition appearing changes the page's <picture>: pages must not 304 on it.
        freshness.register_public_models(Rendition)
        signals.connect(uploads.image_fields())
        uploads.file_removed.connect(signals.remove_renditions, dispatch_uid="renditions:removed")
