from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People"

    def ready(self):
        from flse_hub import freshness
        from people.models import Person

        # Subscribers are private: their changes leave public pages as they are.
        freshness.register_public_models(Person)
