"""One "public content changed at" value, and the Last-Modified of public pages.

Every write that changes what the public sees calls bump() in the writer's
transaction, so the value commits or rolls back with the change and every app
server reads the same one. Apps declare in AppConfig.ready() which of their
models the public sees (register_public_models) and, for content that appears
by itself when its time comes, where to find the newest publication time that
has arrived (register_publication_times). This module never imports them.
"""

from django.apps import apps as global_apps
from django.db.models import F, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

_public_models = set()
_publication_times = []
M2M_CHANGES = {"post_add", "post_remove", "post_clear"}


def bump(using=None, **signal_arguments):
    """Record that public content changed now (a receiver too: `using` is the database).

    As a receiver it ignores rows whose `private_to_staff` is true (a post's working
    draft and what hangs from it): writing them changes nothing the public sees.
    """
    from flse_hub.site.models import ContentVersion

    if getattr(signal_arguments.get("instance"), "private_to_staff", False):
        return
    versions = ContentVersion.objects.db_manager(using)
    now = timezone.now()
    if not versions.filter(pk=1).update(number=F("number") + 1, changed_at=now):
        versions.get_or_create(pk=1, defaults={"changed_at": now})


def changed_at():
    """When public content last changed, or None before anything was recorded."""
    from flse_hub.site.models import ContentVersion

    return ContentVersion.objects.filter(pk=1).values_list("changed_at", flat=True).first()


def register_public_models(*models):
    """Bump on every save and delete of these models, and on changes to their many-to-many
    relations. Queryset .update() and bulk_create() send no signals: call bump() after them."""
    for model in models:
        uid = f"freshness:{model._meta.label}"
        post_save.connect(bump, sender=model, dispatch_uid=f"{uid}:save", weak=False)
        post_delete.connect(bump, sender=model, dispatch_uid=f"{uid}:delete", weak=False)
        _public_models.add(model)
    m2m_changed.connect(_relations_changed, dispatch_uid="freshness:m2m", weak=False)


def _relations_changed(sender, instance, action, using=None, **kwargs):
    public = sender in _public_models or type(instance) in _public_models
    if action in M2M_CHANGES and public and not getattr(instance, "private_to_staff", False):
        bump(using=using)


def register_publication_times(newest):
    """Add a source of scheduled content: `newest()` returns a flat values_list() of one
    datetime column, newest first, holding only times not in the future (it is read with
    LIMIT 1, so it should be the end of an index). Its time arriving moves Last-Modified
    with no write."""
    _publication_times.append(newest)


def last_modified():
    """When a public page may last have changed: the newer of changed_at() and the newest
    publication time that has arrived, never later than now. One query."""
    return version_and_last_modified()[1]


def version_and_last_modified():
    """(version, last_modified()) in one query. `version` is a string naming this content
    version, for cache keys: the number with its time, so that a database rebuilt from
    scratch (tests, `make reset`) never reuses an old key for different content."""
    from flse_hub.site.models import ContentVersion

    published = [Subquery(newest()[:1]) for newest in _publication_times]
    row = (
        ContentVersion.objects.filter(pk=1).values_list("number", "changed_at", *published).first()
    )
    if row is None:  # Nothing recorded yet (a database flushed without post_migrate).
        version = "none"
        row = [newest().first() for newest in _publication_times]
    else:
        version = _version_key(*row[:2])
        row = row[1:]
    times = [time for time in row if time is not None]
    # Another server's clock may run ahead; a validator from the future would pin caches.
    return version, (min(max(times), timezone.now()) if times else None)


def version():
    """The current content version's cache-key string (see version_and_last_modified)."""
    from flse_hub.site.models import ContentVersion

    row = ContentVersion.objects.filter(pk=1).values_list("number", "changed_at").first()
    return _version_key(*row) if row else "none"


def _version_key(number, changed_at):
    return f"{number}-{changed_at.timestamp():.6f}"


def bump_after_migrate(sender, using, apps=global_apps, **kwargs):
    """After `migrate` (a deploy): templates and code may have changed, so pages have too.

    `flush` sends the signal too (with no `apps`): the row it deleted comes back.
    """
    if sender.label != "site":  # post_migrate is sent once per app; act once.
        return
    try:
        apps.get_model("site", "ContentVersion")
    except LookupError:  # a partial migrate that has not created the table yet
        return
    bump(using=using)
