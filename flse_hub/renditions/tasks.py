"""Background tasks of the renditions app, run by the worker (`manage.py run_worker`)."""

from django.core.files.storage import default_storage
from django.tasks import task

from flse_hub.renditions import make


@task
def make_renditions(source):
    """Make the missing renditions of the stored image called `source`."""
    return make.make_renditions(default_storage, source)
