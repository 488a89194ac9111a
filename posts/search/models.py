"""Tables of the search index. They hold only what the public may see.

The vendor-specific parts live in migrations 0002, 0004 and 0006: on
PostgreSQL, generated tsvector columns with GIN indexes on
`posts_searchdocument` and a trigram index on `posts_searchterm`; on SQLite,
FTS5 tables kept in step with these two tables by triggers. Django never
reads those parts; the backends query them with SQL.
"""

from django.db import models


class SearchDocument(models.Model):
    """The public, searchable text of one published post."""

    post = models.OneToOneField(
        "posts.Post", on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    title = models.TextField()
    # Standfirst, topic names and the public labels of the authors: what a reader
    # would recognise the post by after its title.
    meta = models.TextField()
    body = models.TextField()
    # sort_key(published_at, post_id) (posts/search/keys.py), which also gives the
    # publication time and year. The full-text indexes address documents by this key
    # (FTS5's rowid on SQLite), so "the newest matches" and "matches in 2021" are a walk
    # from the start of the index or a seek to a range of it, whatever the words.
    sort_key = models.BigIntegerField(unique=True)

    def __str__(self):
        return self.title


class SearchTerm(models.Model):
    """A word of the public posts and the number of posts using it: "did you mean" candidates."""

    term = models.CharField(max_length=40, unique=True)
    documents = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.term


class SearchPending(models.Model):
    """A scheduled post to index once `due_at` has passed (no content, just the time)."""

    post = models.OneToOneField(
        "posts.Post", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    due_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"post {self.post_id} at {self.due_at:%Y-%m-%d %H:%M}"
