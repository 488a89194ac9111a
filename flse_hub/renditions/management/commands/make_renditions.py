from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from flse_hub import uploads
from flse_hub.renditions import make
from flse_hub.renditions.models import Rendition
from flse_hub.renditions.tasks import make_renditions


class Command(BaseCommand):
    help = (
        "Queue renditions for every stored image that has none yet (images uploaded before "
        "renditions existed); the worker makes them. --all queues every image, to fill in "
        "a format or width added since; --now makes them here instead of queueing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Queue every image.")
        parser.add_argument(
            "--now", action="store_true", help="Make them in this process (no worker needed)."
        )

    def handle(self, *args, all=False, now=False, **options):
        names = set()
        for field in uploads.image_fields():
            names.update(
                field.model._base_manager.exclude(**{field.attname: ""})
                .exclude(**{f"{field.attname}__isnull": True})
                .values_list(field.attname, flat=True)
            )
        if not all:
            names -= set(Rendition.objects.values_list("source", flat=True).distinct())
        made = 0
        for name in sorted(names):
            if now:
                made += make.make_renditions(default_storage, name)["made"]
            else:
                make_renditions.enqueue(name)
        if now:
            self.stdout.write(f"{len(names)} image(s) looked at, {made} rendition(s) made.")
        else:
            self.stdout.write(f"{len(names)} image(s) queued for renditions.")
