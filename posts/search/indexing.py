"""Keeping the search index equal to what the public may see.

Every write that can change a post's public text calls one of these functions
inside the writing transaction (posts/search/signals.py connects them), so the
index commits or rolls back with the write. The index never holds drafts,
scheduled posts or the names behind anonymous credits: a document is built
only for a post that `is_published`, from public labels only.
"""

import html
import re
from collections import Counter

from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from posts.models import Credit, Post, TaggedPost
from posts.search.models import SearchDocument, SearchPending, SearchTerm
from posts.search.query import MAX_WORD_LENGTH, fold

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


def public_author_labels(credits):
    """Authors as the public sees them: names, or the label of an anonymous credit."""
    return [c.public_name for c in credits if c.role == Credit.Role.AUTHOR]


def document_fields(post, credits, topic_names):
    """The indexed text of a published post (title; standfirst, topics, authors; body)."""
    meta = " ".join(
        [plain_text(post.standfirst), *topic_names, *public_author_labels(credits)]
    ).strip()
    return {
        "title": plain_text(post.title),
        "meta": meta,
        "body": plain_text(post.body),
        "published_at": post.published_at,
        "year": timezone.localtime(post.published_at).year,
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
    """Bring one post's index entry in line with the post: add, replace or remove it."""
    post = _posts_with_index_data().filter(pk=post_id).first()
    old = SearchDocument.objects.filter(post_id=post_id).first()
    old_words = vocabulary(old.__dict__) if old else set()
    if post is not None and post.is_scheduled:
        SearchPending.objects.update_or_create(post=post, defaults={"due_at": post.published_at})
    else:
        SearchPending.objects.filter(post_id=post_id).delete()
    if post is None or not post.is_published:
        if old:
            old.delete()
            _change_vocabulary(added=set(), removed=old_words)
        return
    fields = document_fields(post, list(post.credits.all()), [t.name for t in post.topics.all()])
    SearchDocument.objects.update_or_create(post=post, defaults=fields)
    new_words = vocabulary(fields)
    _change_vocabulary(added=new_words - old_words, removed=old_words - new_words)


def reindex_posts(post_ids):
    """Reindex several posts (after a person or topic they mention is renamed)."""
    for post_id in sorted(set(post_ids)):
        reindex_post(post_id)


def posts_naming_person(person_id):
    """Published posts whose public text names this person (anonymous credits never do)."""
    return Credit.objects.filter(person_id=person_id, anonymous=False).values_list(
        "post_id", flat=True
    )


def posts_tagged(topic_id):
    return TaggedPost.objects.filter(tag_id=topic_id).values_list("content_object_id", flat=True)


def index_due_posts(limit=DUE_BATCH):
    """Index scheduled posts whose time has come. Cheap when none are due (one indexed query)."""
    due = list(
        SearchPending.objects.filter(due_at__lte=timezone.now())
        .order_by("due_at")
        .values_list("post_id", flat=True)[:limit]
    )
    for post_id in due:
        reindex_post(post_id)
    return len(due)


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


@transaction.atomic
def rebuild_index(batch_size=2000, progress=None):
    """Rebuild the whole index from the posts table: for installs and after bulk imports."""
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
    counts = Counter()
    ids = list(Post.objects.published().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = _posts_with_index_data().filter(pk__in=ids[start : start + batch_size])
        documents = []
        for post in batch:
            fields = document_fields(
                post, list(post.credits.all()), [t.name for t in post.topics.all()]
            )
            counts.update(vocabulary(fields))
            documents.append(SearchDocument(post=post, **fields))
        SearchDocument.objects.bulk_create(documents, batch_size=500)
        if progress:
            progress(min(start + batch_size, len(ids)), len(ids))
    SearchTerm.objects.bulk_create(
        (SearchTerm(term=term, documents=n) for term, n in counts.items()), batch_size=5000
    )
    _optimise()
    return len(ids)


def _optimise():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Merge FTS5's segments into one b-tree: fewer lookups per query.
            cursor.execute("INSERT INTO posts_search_fts(posts_search_fts) VALUES ('optimize')")
            cursor.execute("INSERT INTO posts_search_vocab(posts_search_vocab) VALUES ('optimize')")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE posts_searchdocument")
            cursor.execute("ANALYZE posts_searchterm")
