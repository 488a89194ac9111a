from importlib import import_module

from django.db import migrations

_0002 = import_module("posts.migrations.0002_add_search_index")
_0004 = import_module("posts.migrations.0004_order_search_index_newest_first")
_0006 = import_module("posts.migrations.0006_add_search_title_index")

# Going back, SQLite can only add a NOT NULL column by rebuilding the table, which
# drops its triggers: these put the FTS5 triggers of 0004 and 0006 back afterwards.
SQLITE_TRIGGERS = [
    sql for sql in (*_0004._fts_sql("sort_key"), *_0006.SQLITE_SQL) if "CREATE TRIGGER" in sql
]


def empty_index(apps, schema_editor):
    """Going back: the columns return NOT NULL, so the index is emptied and every
    published post queued; the first searches (or `search_index`) index them again."""
    apps.get_model("posts", "SearchDocument").objects.all().delete()
    apps.get_model("posts", "SearchTerm").objects.all().delete()
    apps.get_model("posts", "SearchPending").objects.all().delete()
    _0002.queue_published_posts(apps, schema_editor)


class Migration(migrations.Migration):
    """The sort key holds a document's publication time and year; nothing read these.

    Plain ALTER TABLE DROP COLUMN on both databases (neither column is indexed or
    unique), so SQLite keeps the document table and its FTS5 triggers.
    """

    dependencies = [("posts", "0006_add_search_title_index")]

    operations = [
        _0002.RunSQLOn("sqlite", migrations.RunSQL.noop, SQLITE_TRIGGERS),
        migrations.RemoveField(model_name="searchdocument", name="published_at"),
        migrations.RemoveField(model_name="searchdocument", name="year"),
        migrations.RunPython(migrations.RunPython.noop, empty_index),
    ]
