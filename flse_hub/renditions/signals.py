"""Renditions follow their source: queued when an image is saved, removed with it."""

import functools

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_save

from flse_hub.renditions import make
from flse_hub.renditions.models import Rendition


def connect(image_fields):
    """Queue renditions, after the commit, whenever a row with one of these fields is saved."""
    for field in image_fields:
        post_save.connect(
            functools.partial(_image_saved, field),
            sender=field.model,
            weak=False,
            dispatch_uid=f"renditions:{field.model._meta.label}.{field.name}",
        )


def _image_saved(field, sender, instance, raw=False, using=None, **kwargs):
    if raw:
        return
    # The raw attribute: a deferred field is not loaded just to learn nothing changed.
    value = instance.__dict__.get(field.attname)
    name = getattr(value, "name", value)
    if name:
        transaction.on_commit(functools.partial(queue_renditions, name), using=using)


def queue_renditions(name):
    """Queue the task for `name` unless its renditions were made already."""
    from flse_hub.renditions.tasks import make_renditions

    if not Rendition.objects.filter(source=name).exists():
        make_renditions.enqueue(name)


def remove_renditions(sender, storage, name, **kwargs):
    """uploads.file_removed receiver: the source has gone, so have its renditions."""
    make.remove(default_storage, Rendition.objects.filter(source=name))
