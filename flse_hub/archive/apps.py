from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "flse_hub.archive"
    label = "archive"
    verbose_name = "Static archive"
