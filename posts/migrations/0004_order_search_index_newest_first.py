import math
from importlib import import_module

from django.db import migrations, models

RunSQLOn = import_module("posts.migrations.0002_add_search_index").RunSQLOn

_KEY_SCALE = 1_000_000_000  # posts.search.models._KEY_SCALE when this was written


def fill_sort_keys(apps, schema_editor):
    SearchDocument = apps.get_model("posts", "SearchDocument")
    documents = list(SearchDocument.objects.only("post_id", "published_at"))
    for document in documents:
        document.sort_key = -(
            math.floor(document.published_at.timestamp()) * _KEY_SCALE + document.post_id
        )
    SearchDocument.objects.bulk_update(documents, ["sort_key"], batch_size=500)


def _fts_sql(rowid):
    return [
        f"""
        CREATE VIRTUAL TABLE posts_search_fts USING fts5(
            title, meta, body,
            content='posts_searchdocument', content_rowid='{rowid}',
            tokenize='porter unicode61 remove_diacritics 2'
        )
        """,
        f"""
        CREATE TRIGGER posts_search_fts_ai AFTER INSERT ON posts_searchdocument BEGIN
            INSERT INTO posts_search_fts(rowid, title, meta, body)
            VALUES (new.{rowid}, new.title, new.meta, new.body);
        END
        """,
        f"""
        CREATE TRIGGER posts_search_fts_ad AFTER DELETE ON posts_searchdocument BEGIN
            INSERT INTO posts_search_fts(posts_search_fts, rowid, title, meta, body)
            VALUES ('delete', old.{rowid}, old.title, old.meta, old.body);
        END
        """,
        f"""
        CREATE TRIGGER posts_search_fts_au AFTER UPDATE ON posts_searchdocument BEGIN
            INSERT INTO posts_search_fts(posts_search_fts, rowid, title, meta, body)
            VALUES ('delete', old.{rowid}, old.title, old.meta, old.body);
            INSERT INTO posts_search_fts(rowid, title, meta, body)
            VALUES (new.{rowid}, new.title, new.meta, new.body);
        END
        """,
        "INSERT INTO posts_search_fts(posts_search_fts) VALUES ('rebuild')",
    ]


DROP_FTS_SQL = [
    "DROP TRIGGER posts_search_fts_au",
    "DROP TRIGGER posts_search_fts_ad",
    "DROP TRIGGER posts_search_fts_ai",
    "DROP TABLE posts_search_fts",
]


class Migration(migrations.Migration):
    """Address search documents by a newest-first key instead of the post id.

    On SQLite the FTS5 table is rebuilt with the key as its rowid, so FTS5 walks
    matches newest first and seeks straight to a year; on PostgreSQL a b-tree on the
    key does the same. The date indexes it replaces go. The FTS5 table goes first and
    comes back last because altering the column rebuilds the document table, which
    would drop its triggers.
    """

    dependencies = [("posts", "0003_merge_search_index_and_topic_quick_exit")]

    operations = [
        RunSQLOn("sqlite", DROP_FTS_SQL, _fts_sql("post_id")),
        migrations.AddField(
            model_name="searchdocument",
            name="sort_key",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="searchdocument",
            name="sort_key",
            field=models.BigIntegerField(unique=True),
        ),
        RunSQLOn("sqlite", _fts_sql("sort_key"), DROP_FTS_SQL),
        # PostgreSQL: move the text and head vector out of the table's rows (TOAST) so a
        # scan of matching rows reads a few MB of keys rather than the whole documents.
        RunSQLOn(
            "postgresql",
            "ALTER TABLE posts_searchdocument SET (toast_tuple_target = 128)",
            "ALTER TABLE posts_searchdocument RESET (toast_tuple_target)",
        ),
        migrations.RemoveIndex(model_name="searchdocument", name="searchdoc_year_published_idx"),
        migrations.RemoveIndex(model_name="searchdocument", name="searchdoc_published_idx"),
    ]
