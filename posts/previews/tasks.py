"""The email that tells editors a contributor has answered, sent by the worker."""

from django.conf import settings
from django.tasks import task

from posts.previews import services


@task
def notify_editors(response_pk):
    """Email the editors about one contributor's answer (once, however often queued)."""
    return services.send_notification(response_pk, base_url=settings.SITE_URL)


def recover(worker_id):
    """Queue the emails of answers not yet sent (a killed worker, a failed send)."""
    pending = list(services.unnotified_responses().values_list("pk", flat=True))
    for pk in pending:
        notify_editors.enqueue(pk)
    return {"contributor answer emails": len(pending)} if pending else {}
