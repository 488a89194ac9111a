from django.apps import AppConfig


class LinkCheckConfig(AppConfig):
    name = "posts.linkcheck"
    label = "linkcheck"
    verbose_name = "Link checks"
