"""Keeping the search index equal to what the public may see.

Every write that can change one post's public text reindexes it inside the
writing transaction (posts/search/signals.py connects them), so the index
commits or rolls back with the write. A write that touches many posts at once
(renaming a topic or a person, deleting a topic) only marks them stale, in one
statement, and the worker reindexes them (posts.tasks): the request's time
does not grow with the number of posts. The index never holds drafts,
scheduled posts or the names behind anonymous credits: a document is built
only for a post that `is_published`, from public labels only.
"""

import html
import logging
import multiprocessing
import os
import re
import time
from collections import Counter
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from flse_hub import freshness
from posts.models import Credit, Post, TaggedPost
from posts.search.keys import sort_key
from posts.search.models import SearchDocument, SearchPending, SearchTerm
from posts.search.query import MAX_WORD_LENGTH, fold

logger = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
# Private-use characters mark highlights in snippets; no document may contain them.
_RESERVED = re.compile("[\ue000\ue001\x00-\x08\x0b\x0c\x0e-\x1f]")
_VOCAB_WORD = re.compile(rf"[^\W\d_]{{3,{MAX_WORD_LENGTH}}}")

# How many due posts one search indexes before answering; the rest wait for the
# next search or for `manage.py search_index`.
DUE_BATCH = 50


def plain_text(value):
    """Text of sanitised HTML: tags become spaces, entities characters, runs of space one."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", _RESERVED.sub("", value)))).strip()


def typed_text(value):
    """Text typed as plain text (a title, standfirst, name): kept as typed, not read as HTML.

    Read as HTML, "3 < 5 & 6 > 2" lost "< 5 & 6 >" as if it were a tag, and the
    snippet showed "3 2".
    """
    return _SPACE.sub(" ", _RESERVED.sub("", value)).strip()


def meta_text(standfirst, topic_names, labels):
    """The "meta" column: the standfirst, topic names and public author names."""
    return " ".join(filter(None, map(typed_text, [standfirst, *topic_names, *labels])))


def public_author_labels(credits):
    """Authors as the public sees them: names, or the label of an anonymous credit."""
    return [c.public_name for c in credits if c.role == Credit.Role.AUTHOR]


def document_fields(post, credits, topic_names):
    """The indexed text of a published post (title; standfirst, topics, authors; body)."""
    return {
        "title": typed_text(post.title),
        "meta": meta_text(post.standfirst, topic_names, public_author_labels(credits)),
        "body": plain_text(post.body),
        "sort_key": sort_key(post.published_at, post.pk),
    }


def vocabulary(fields):
    """The distinct folded words of a document, for spelling suggestions."""
    text = fold(" ".join((fields["title"], fields["meta"], fields["body"])))
    return set(_VOCAB_WORD.findall(text))


def _posts_with_index_data():
    return Post.objects.prefetch_related(
        Prefetch("credits", queryset=Credit.objects.select_related("person")),
        "topics",
    )


@transaction.atomic
def reindex_post(post_id):
    """Bring one post's index entry in line with the post: add, replace or remove it.

    Returns whether the index changed. When it did, what a search finds changed too,
    so public content's version moves in the same transaction: the worker reindexes
    after a rename's own write (and its Last-Modified), and without this a search
    made in between would keep getting 304 with its stale results.
    """
    # The pending mark goes first, before the post is read: a rename that marks the
    # post again while this runs then waits for this transaction and is not lost.
    SearchPending.objects.filter(post_id=post_id).delete()
    post = _posts_with_index_data().filter(pk=post_id).first()
    old = SearchDocument.objects.filter(post_id=post_id).first()
    old_words = vocabulary(old.__dict__) if old else set()
    if post is not None and post.is_scheduled:
        SearchPending.objects.create(post=post, due_at=post.published_at)
    if post is None or not post.is_published:
        if not old:
            return False
        old.delete()
        _change_vocabulary(added=set(), removed=old_words)
        freshness.bump()
        return True
    fields = document_fields(
        post, list(post.credits.all()), sorted(t.name for t in post.topics.all())
    )
    if old and all(getattr(old, name) == value for name, value in fields.items()):
        return False  # e.g. an edit to a field the index does not hold
    SearchDocument.objects.update_or_create(post=post, defaults=fields)
    new_words = vocabulary(fields)
    _change_vocabulary(added=new_words - old_words, removed=old_words - new_words)
    freshness.bump()
    return True


def reindex_posts(post_ids):
    """Reindex several posts now, each in its own transaction."""
    for post_id in sorted(set(post_ids)):
        reindex_post(post_id)


def mark_stale(post_ids):
    """Mark the indexed posts among `post_ids` (a values_list queryset) for the worker.

    One INSERT … SELECT whatever the number of posts. Only posts with a document
    need it: drafts have none, and a scheduled post's existing mark (its
    publication time) is kept, as it is indexed then with whatever is current.
    """
    ids_sql, ids_params = post_ids.query.sql_with_params()
    pending, documents = SearchPending._meta.db_table, SearchDocument._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {pending} (post_id, due_at) "  # noqa: S608
            f"SELECT d.post_id, %s FROM {documents} d WHERE d.post_id IN ({ids_sql}) "
            "ON CONFLICT (post_id) DO NOTHING",
            [timezone.now(), *ids_params],
        )


def posts_naming_person(person_id):
    """Published posts whose public text names this person (anonymous credits never do)."""
    return Credit.objects.filter(person_id=person_id, anonymous=False).values_list(
        "post_id", flat=True
    )


def posts_tagged(topic_id):
    return TaggedPost.objects.filter(tag_id=topic_id).values_list("content_object_id", flat=True)


def index_due_posts(limit=DUE_BATCH):
    """Index scheduled posts whose time has come. Cheap when none are due (one indexed query).

    Searches call this; posts marked stale by a rename (whose mark is not their
    publication time) are left to the worker, so a search never does a rename's work.
    """
    due = list(
        SearchPending.objects.filter(due_at__lte=timezone.now(), due_at=F("post__published_at"))
        .order_by("due_at")
        .values_list("post_id", flat=True)[:limit]
    )
    for post_id in due:
        reindex_post(post_id)
    return len(due)


def index_pending_posts(batch_size=200):
    """Reindex every post marked stale or due (the worker's task); returns how many.

    Each post is its own short transaction, so a long run never holds the
    database's write lock for long, and a worker killed half-way leaves the rest
    marked for the next run.
    """
    done = 0
    while due := list(
        SearchPending.objects.filter(due_at__lte=timezone.now())
        .order_by("due_at")
        .values_list("post_id", flat=True)[:batch_size]
    ):
        for post_id in due:
            reindex_post(post_id)
        done += len(due)
    return done


def has_pending_posts():
    return SearchPending.objects.filter(due_at__lte=timezone.now()).exists()


def _change_vocabulary(added, removed):
    with connection.cursor() as cursor:
        if added:
            cursor.executemany(
                "INSERT INTO posts_searchterm (term, documents) VALUES (%s, 1) "
                "ON CONFLICT (term) DO UPDATE SET documents = posts_searchterm.documents + 1",
                [(w,) for w in sorted(added)],
            )
        if removed:
            cursor.executemany(
                "UPDATE posts_searchterm SET documents = documents - 1 WHERE term = %s",
                [(w,) for w in sorted(removed)],
            )
            SearchTerm.objects.filter(documents__lte=0).delete()


def _build_batch(rows):
    """Documents and vocabulary for one batch of raw post rows (pure: runs in a worker)."""
    documents, counts = [], Counter()
    for pk, title, standfirst, body, published_at, topic_names, labels in rows:
        fields = {
            "title": typed_text(title),
            "meta": meta_text(standfirst, topic_names, labels),
            "body": plain_text(body),
        }
        counts.update(vocabulary(fields))
        documents.append((pk, fields["title"], fields["meta"], fields["body"], published_at))
    return documents, counts


def _raw_batches(ids, batch_size):
    """Published posts as plain tuples with their topic names and public author labels."""
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        topics, labels = {}, {}
        taggings = TaggedPost.objects.filter(content_object_id__in=chunk).values_list(
            "content_object_id", "tag__name"
        )
        for post_id, name in taggings:
            topics.setdefault(post_id, []).append(name)
        for names in topics.values():
            names.sort()  # as reindex_post does: the same text whichever way it was built
        credits = (
            Credit.objects.filter(post_id__in=chunk, role=Credit.Role.AUTHOR)
            .order_by("post_id", "order", "pk")
            .values_list("post_id", "anonymous", "public_label", "person__name")
        )
        for post_id, anonymous, label, name in credits:
            # The same rule as Credit.public_name: the label, never the name, when anonymous.
            labels.setdefault(post_id, []).append(label if anonymous else name)
        yield [
            (pk, title, standfirst, body, published_at, topics.get(pk, []), labels.get(pk, []))
            for pk, title, standfirst, body, published_at in Post.objects.filter(
                pk__in=chunk
            ).values_list("pk", "title", "standfirst", "body", "published_at")
        ]


@transaction.atomic
def rebuild_index(batch_size=1000, progress=None, workers=None):
    """Rebuild the whole index from the posts table: for installs and after bulk imports.

    Text extraction runs in `workers` processes (default: one per CPU) while this one
    writes; the database computes the vectors (PostgreSQL) or FTS5 entries (SQLite).
    """
    SearchDocument.objects.all().delete()
    SearchTerm.objects.all().delete()
    now = timezone.now()
    SearchPending.objects.all().delete()
    SearchPending.objects.bulk_create(
        SearchPending(post_id=pk, due_at=when)
        for pk, when in Post.objects.filter(
            status=Post.Status.PUBLISHED, published_at__gt=now
        ).values_list("pk", "published_at")
    )
    ids = list(Post.objects.published().order_by("pk").values_list("pk", flat=True))
    counts = Counter()
    workers = workers or os.cpu_count() or 1
    pool = (
        multiprocessing.get_context("fork").Pool(workers)
        if workers > 1 and len(ids) > batch_size
        else None
    )
    try:
        built = (
            pool.imap(_build_batch, _raw_batches(ids, batch_size))
            if pool
            else map(_build_batch, _raw_batches(ids, batch_size))
        )
        done = 0
        with connection.cursor() as cursor, _bulk_loading(cursor):
            for documents, batch_counts in built:
                counts.update(batch_counts)
                SearchDocument.objects.bulk_create(
                    (
                        SearchDocument(
                            post_id=pk,
                            title=title,
                            meta=meta,
                            body=body,
                            sort_key=sort_key(when, pk),
                        )
                        for pk, title, meta, body, when in documents
                    ),
                    batch_size=250,
                )
                done += len(documents)
                if progress:
                    progress(done, len(ids))
            SearchTerm.objects.bulk_create(
                (SearchTerm(term=term, documents=n) for term, n in sorted(counts.items())),
                batch_size=2000,
            )
    finally:
        if pool:
            pool.close()
            pool.join()
    # Every document was rewritten: searches must not be answered 304 from before.
    freshness.bump()
    _optimise()
    return len(ids)


# The insert triggers of migrations 0004 and 0006, recreated after a bulk load (keep in
# step with them).
_SQLITE_INSERT_TRIGGERS = [
    """
    CREATE TRIGGER posts_search_fts_ai AFTER INSERT ON posts_searchdocument BEGIN
        INSERT INTO posts_search_fts(rowid, title, meta, body)
        VALUES (new.sort_key, new.title, new.meta, new.body);
    END
    """,
    """
    CREATE TRIGGER posts_search_title_ai AFTER INSERT ON posts_searchdocument BEGIN
        INSERT INTO posts_search_title(rowid, title) VALUES (new.sort_key, new.title);
    END
    """,
]


@contextmanager
def _bulk_loading(cursor):
    """Build the full-text indexes once after a bulk load instead of row by row.

    Both statements below are transactional, so a failed rebuild leaves the old index.
    """
    started = time.perf_counter()
    if connection.vendor == "sqlite":
        cursor.execute("DROP TRIGGER posts_search_fts_ai")
        cursor.execute("DROP TRIGGER posts_search_title_ai")
        yield
        loaded = time.perf_counter()
        cursor.execute("INSERT INTO posts_search_fts(posts_search_fts) VALUES ('rebuild')")
        cursor.execute("INSERT INTO posts_search_title(posts_search_title) VALUES ('rebuild')")
        for trigger in _SQLITE_INSERT_TRIGGERS:
            cursor.execute(trigger)
    elif connection.vendor == "postgresql":
        cursor.execute("DROP INDEX searchdoc_vector_gin")
        cursor.execute("DROP INDEX searchdoc_title_gin")
        yield
        # Run the deferred foreign-key checks now: PostgreSQL will not build an index on
        # a table with pending trigger events.
        loaded = time.perf_counter()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(
            "CREATE INDEX searchdoc_vector_gin ON posts_searchdocument USING gin (vector)"
        )
        cursor.execute(
            "CREATE INDEX searchdoc_title_gin ON posts_searchdocument USING gin (title_vector)"
        )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        yield
        return
    logger.info(
        "search index: documents loaded in %.1f s, full-text index built in %.1f s",
        loaded - started,
        time.perf_counter() - loaded,
    )


def _optimise():
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Merge FTS5's segments into one b-tree: fewer lookups per query.
            cursor.execute("INSERT INTO posts_search_fts(posts_search_fts) VALUES ('optimize')")
            cursor.execute("INSERT INTO posts_search_title(posts_search_title) VALUES ('optimize')")
            cursor.execute("INSERT INTO posts_search_vocab(posts_search_vocab) VALUES ('optimize')")
            # Only the search tables: a whole-database ANALYZE would read every post too.
            cursor.execute("ANALYZE posts_searchdocument")
            cursor.execute("ANALYZE posts_searchterm")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE posts_searchdocument")
            cursor.execute("ANALYZE posts_searchterm")
    logger.info("search index: optimised in %.1f s", time.perf_counter() - started)
