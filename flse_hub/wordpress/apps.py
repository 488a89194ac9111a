from django.apps import AppConfig


class WordPressConfig(AppConfig):
    name = "flse_hub.wordpress"
    label = "wordpress"
    verbose_name = "WordPress import"
