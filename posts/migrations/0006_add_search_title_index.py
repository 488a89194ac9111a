from importlib import import_module

from django.db import migrations

RunSQLOn = import_module("posts.migrations.0002_add_search_index").RunSQLOn


# The title-only FTS5 table, kept in step like posts_search_fts (migration 0004).
SQLITE_SQL = [
    """
    CREATE VIRTUAL TABLE posts_search_title USING fts5(
        title, content='posts_searchdocument', content_rowid='sort_key',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER posts_search_title_ai AFTER INSERT ON posts_searchdocument BEGIN
        INSERT INTO posts_search_title(rowid, title) VALUES (new.sort_key, new.title);
    END
    """,
    """
    CREATE TRIGGER posts_search_title_ad AFTER DELETE ON posts_searchdocument BEGIN
        INSERT INTO posts_search_title(posts_search_title, rowid, title)
        VALUES ('delete', old.sort_key, old.title);
    END
    """,
    """
    CREATE TRIGGER posts_search_title_au AFTER UPDATE ON posts_searchdocument BEGIN
        INSERT INTO posts_search_title(posts_search_title, rowid, title)
        VALUES ('delete', old.sort_key, old.title);
        INSERT INTO posts_search_title(rowid, title) VALUES (new.sort_key, new.title);
    END
    """,
    "INSERT INTO posts_search_title(posts_search_title) VALUES ('rebuild')",
]
SQLITE_REVERSE_SQL = [
    "DROP TRIGGER posts_search_title_au",
    "DROP TRIGGER posts_search_title_ad",
    "DROP TRIGGER posts_search_title_ai",
    "DROP TABLE posts_search_title",
]


class Migration(migrations.Migration):
    """A title-only index: a GIN-indexed vector on PostgreSQL, an FTS5 table on SQLite.

    A query matching more posts than the search window ranks the newest of them plus
    the newest whose title has all its words; this index finds those in any year.
    (FTS5's column filter on the main table reads every matching post's positions.)
    """

    dependencies = [("posts", "0005_index_post_updated_at")]

    operations = [
        RunSQLOn(
            "postgresql",
            [
                """
                ALTER TABLE posts_searchdocument ADD COLUMN title_vector tsvector
                GENERATED ALWAYS AS (to_tsvector('english'::regconfig, flse_unaccent(title)))
                STORED
                """,
                "CREATE INDEX searchdoc_title_gin ON posts_searchdocument USING gin (title_vector)",
            ],
            [
                "DROP INDEX searchdoc_title_gin",
                "ALTER TABLE posts_searchdocument DROP COLUMN title_vector",
            ],
        ),
        RunSQLOn("sqlite", SQLITE_SQL, SQLITE_REVERSE_SQL),
    ]
