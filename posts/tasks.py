"""Background tasks of the posts app, run by the worker (`manage.py run_worker`)."""

from django.db import transaction
from django.tasks import task

from posts.search import indexing


@task
def reindex_pending_posts():
    """Reindex the posts marked stale (by a rename) or due (scheduled, now public)."""
    return indexing.index_pending_posts()


def _enqueue_reindex():
    reindex_pending_posts.enqueue()


def queue_reindex():
    """Queue one reindex task when the current transaction commits, however often called.

    Deleting a topic marks each of its posts in turn; one task does them all.
    """
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(func is _enqueue_reindex for _, func, _ in conn.run_on_commit):
        return
    transaction.on_commit(_enqueue_reindex)


def recover(worker_id):
    """Queue a reindex if posts are still marked (a killed worker's unfinished run), and
    the review emails of recent steps and the editors' emails about contributors'
    answers not yet sent."""
    from posts import review_emails
    from posts.previews import tasks as preview_tasks

    queued = preview_tasks.recover(worker_id)
    if indexing.has_pending_posts():
        reindex_pending_posts.enqueue()
        queued["search re-index runs"] = 1
    unsent = review_emails.unsent_event_ids()
    for event_pk in unsent:
        send_review_emails.enqueue(event_pk)
    if unsent:
        queued["review emails"] = len(unsent)
    return queued


@task
def send_review_emails(event_pk, base_url=None):
    """Email the people a review step concerns (posts.review_emails); once per step."""
    from posts import review_emails

    return review_emails.send_for_event(event_pk, base_url=base_url)
