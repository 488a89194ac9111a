"""Background tasks of the people app, run by the worker (`manage.py run_worker`).

Each task reads what is due from our own rows and may run any number of times:
a task that finds nothing due does nothing.
"""

from django.tasks import task

from people import services


@task(takes_context=True)
def send_subscriber_email(context, subscriber_pk, base_url=None):
    """Send the email a subscriber's row says is due (confirmation, or their manage link)."""
    worker_ids = context.task_result.worker_ids
    return services.send_due_email(
        subscriber_pk, base_url=base_url, worker_id=worker_ids[-1] if worker_ids else ""
    )


def recover(worker_id):
    """Queue what our rows say is still due: called by run_worker as it starts."""
    return {"newsletter emails": services.enqueue_due_emails(worker_id=worker_id)}
