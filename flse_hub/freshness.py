"""One "public content changed at" value, and the Last-Modified of public pages.

Every write that changes what the public sees calls bump() in the writer's
transaction, so the value commits or rolls back with the change and every app
server reads the same one. Apps declare in AppConfig.ready() which of their
models the public sees (register_public_models) and, for content that appears
by itself when its time comes, where to find the newest publication time that
has arrived (register_publication_times). This module never imports them.
"""

from datetime import UTC, datetime

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.dateparse import parse_datetime

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
    row = _read_state()
    if row is None:  # Nothing recorded yet (a database flushed without post_migrate).
        version = "none"
        row = [newest().first() for newest in _publication_times]
    else:
        version = _version_key(*row[:2])
        row = row[1:]
    times = [time for time in row if time is not None]
    # Another server's clock may run ahead; a validator from the future would pin caches.
    return version, (min(max(times), timezone.now()) if times else None)


def _state_queryset():
    from flse_hub.site.models import ContentVersion

    published = [Subquery(newest()[:1]) for newest in _publication_times]
    return ContentVersion.objects.filter(pk=1).values_list("number", "changed_at", *published)


# database alias -> (sql, params, indexes of the params that are "now"), or None when the
# query cannot be reused (then the ORM builds it each time).
_compiled_state = {}


def _read_state():
    """[number, changed_at, newest publication time of each source], or None.

    Every page asks this first, and a page kept whole costs little else: building the
    query through the ORM cost twice what running it does, so its SQL is compiled once
    per process. Its only changing parameters are the sources' "now": compiled twice,
    they are the parameters that differ, and each run puts the current time there.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.alias not in _compiled_state:
        _compiled_state[connection.alias] = _compile_state(connection)
    compiled = _compiled_state[connection.alias]
    if compiled is None:
        row = _state_queryset()[:1]
        return list(row[0]) if row else None
    sql, params, moving = compiled
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [now if index in moving else value for index, value in enumerate(params)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else [row[0], *map(_as_datetime, row[1:])]


def _compile_state(connection):
    first, second = (
        _state_queryset()[:1].query.get_compiler(connection=connection).as_sql() for _ in range(2)
    )
    moving = {i for i, (a, b) in enumerate(zip(first[1], second[1], strict=True)) if a != b}
    if first[0] != second[0] or len(moving) != len(_publication_times):
        return None
    return first[0], list(first[1]), moving


def _as_datetime(value):
    """A datetime column as the driver returns it (SQLite: text in UTC) made aware."""
    if value is None or isinstance(value, datetime):
        return value if value is None or timezone.is_aware(value) else value.replace(tzinfo=UTC)
    parsed = parse_datetime(value)
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


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
