from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People"

    def ready(self):
        from anymail.signals import tracking

        from flse_hub import freshness
        from people import bounces
        from people.models import NewsletterIssue, Person

        # Subscribers are private: their changes leave public pages as they are. An
        # issue is public once sent (private_to_staff until then); sending finishes by
        # a queryset update, which bumps by itself (people.sending). Its posts are
        # written only while it is a draft.
        freshness.register_public_models(Person, NewsletterIssue)
        tracking.connect(bounces.on_tracking_event, dispatch_uid="people.bounces")
