"""The link check as a background task, queued by staff, the schedule or the command."""

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from posts.linkcheck import services
from posts.linkcheck.models import CheckRun

ACTIVE = [CheckRun.State.QUEUED, CheckRun.State.RUNNING]


@task
def check_links(run_pk):
    """Check every external link and DOI (posts.linkcheck.services.run_check)."""
    return services.run_check(run_pk)


def _interrupt_dead_runs():
    """A running check whose heartbeat stopped was killed with its worker."""
    cutoff = timezone.now() - settings.LINKCHECK_LEASE
    return CheckRun.objects.filter(state=CheckRun.State.RUNNING, heartbeat_at__lt=cutoff).update(
        state=CheckRun.State.INTERRUPTED, finished_at=timezone.now()
    )


def queue_check(trigger, user=None, *, enqueue=True):
    """(run, queued): a new run queued for the worker when this transaction commits, or
    the run already waiting or running (one check at a time is enough). With
    enqueue=False the caller runs it (the command, in the foreground)."""
    _interrupt_dead_runs()
    with transaction.atomic():
        active = CheckRun.objects.filter(state__in=ACTIVE).first()
        if active is not None:
            return active, False
        run = CheckRun.objects.create(trigger=trigger, requested_by=user)
        if enqueue:
            transaction.on_commit(lambda: check_links.enqueue(run.pk))
    return run, True


def is_due():
    """The schedule: LINKCHECK_EVERY_DAYS after the last finished check (0: never)."""
    days = settings.LINKCHECK_EVERY_DAYS
    if not days:
        return False
    last = CheckRun.objects.filter(state=CheckRun.State.DONE).order_by("-finished_at").first()
    return last is None or last.finished_at <= timezone.now() - timezone.timedelta(days=days)


def recover(worker_id):
    """run_worker's start (and `queue_due_work` from cron): queue again the runs still
    waiting (a run is claimed once, so a second task for it does nothing), replace a
    killed one, and queue the scheduled check when it is due."""
    queued = {}
    interrupted = _interrupt_dead_runs()
    waiting = list(
        CheckRun.objects.filter(state=CheckRun.State.QUEUED).values_list("pk", flat=True)
    )
    for run_pk in waiting:
        check_links.enqueue(run_pk)
    if waiting:
        queued["link checks"] = len(waiting)
    elif interrupted or is_due():
        trigger = CheckRun.Trigger.SCHEDULE
        _run, new = queue_check(trigger)
        if new:
            queued["link checks"] = 1
    return queued
