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
    from people import sending

    return {
        "newsletter emails": services.enqueue_due_emails(worker_id=worker_id),
        "newsletter issues": sending.recover(worker_id),
    }


@task(takes_context=True)
def send_issue_batch(context, issue_pk, token):
    """Send the next batch of a newsletter issue, then queue the batch after it."""
    from people import sending

    worker_ids = context.task_result.worker_ids
    return sending.send_batch(issue_pk, token, worker_id=worker_ids[-1] if worker_ids else "")


@task()
def send_test_issue(issue_pk, address, base_url=None):
    """The "send a test to me" button: the issue, with every post, to one staff address."""
    from people import digest

    digest.send_test(issue_pk, address, base_url=base_url)
    return "sent"
