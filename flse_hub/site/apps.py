from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "flse_hub.site"
    label = "site"
    verbose_name = "Site"

    def ready(self):
        from django.db.models.signals import post_migrate

        from flse_hub import freshness
        from flse_hub.site.models import FooterLink, HeaderLink, SiteSettings, SocialLink

        # Every page shows them: a change moves Last-Modified and the identity's cache key.
        freshness.register_public_models(SiteSettings, HeaderLink, FooterLink, SocialLink)

        # Templates and code may change with a deploy, which always migrates:
        # moving the content version then makes every server send the new pages.
        post_migrate.connect(freshness.bump_after_migrate, dispatch_uid="freshness_post_migrate")

        from flse_hub.site.models import Page, Redirect

        freshness.register_public_models(Page)
        # A scheduled page appears when its time comes, with no write to bump the version.
        freshness.register_publication_times(
            lambda: (
                Page.objects.published()
                .order_by("-published_at")
                .values_list("published_at", flat=True)
            )
        )
        # A redirect turns a 404 (or a page, for /?p=123) into a move: public, so it bumps.
        freshness.register_public_models(Redirect)
