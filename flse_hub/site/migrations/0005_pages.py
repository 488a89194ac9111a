"""Staff-written pages at /<slug>/, and their search index.

The index differs by database, as the posts' does: on SQLite an FTS5 table over
the pages' title and plain text, kept in step by triggers; on PostgreSQL a
generated tsvector column with a GIN index (flse_unaccent comes from posts 0002).
Both hold every page; searches keep only the published ones.
"""

import django.db.models.deletion
import flse_hub.site.pages
from django.conf import settings
from django.db import migrations, models

SQLITE_SQL = [
    """
    CREATE VIRTUAL TABLE site_page_fts USING fts5(
        title, search_text, content='site_page', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER site_page_fts_insert AFTER INSERT ON site_page BEGIN
        INSERT INTO site_page_fts(rowid, title, search_text)
        VALUES (new.id, new.title, new.search_text);
    END
    """,
    """
    CREATE TRIGGER site_page_fts_delete AFTER DELETE ON site_page BEGIN
        INSERT INTO site_page_fts(site_page_fts, rowid, title, search_text)
        VALUES ('delete', old.id, old.title, old.search_text);
    END
    """,
    """
    CREATE TRIGGER site_page_fts_update AFTER UPDATE ON site_page BEGIN
        INSERT INTO site_page_fts(site_page_fts, rowid, title, search_text)
        VALUES ('delete', old.id, old.title, old.search_text);
        INSERT INTO site_page_fts(rowid, title, search_text)
        VALUES (new.id, new.title, new.search_text);
    END
    """,
]
SQLITE_REVERSE_SQL = [
    "DROP TRIGGER site_page_fts_update",
    "DROP TRIGGER site_page_fts_delete",
    "DROP TRIGGER site_page_fts_insert",
    "DROP TABLE site_page_fts",
]
POSTGRES_SQL = [
    """
    ALTER TABLE site_page ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, flse_unaccent(title)), 'A')
        || setweight(to_tsvector('english'::regconfig, flse_unaccent(search_text)), 'D')
    ) STORED
    """,
    "CREATE INDEX site_page_search_gin ON site_page USING gin (search_vector)",
]
POSTGRES_REVERSE_SQL = [
    "DROP INDEX site_page_search_gin",
    "ALTER TABLE site_page DROP COLUMN search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('site', '0004_site_settings_and_navigation'),
        ('posts', '0010_drop_unused_post_updated_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Page',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200)),
                ('slug', models.SlugField(help_text="The page's web address: “about” makes /about/. Changing it after publishing breaks links to it. The newsletter links to the page “privacy”.", max_length=100, unique=True, validators=[flse_hub.site.pages.validate_page_slug])),
                ('body', models.TextField(blank=True)),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published')], default='draft', max_length=10)),
                ('published_at', models.DateTimeField(blank=True, help_text='Leave empty to publish now. A future date schedules the page.', null=True, verbose_name='publication date')),
                ('seo_title', models.CharField(blank=True, help_text='Optional. Replaces the title in browser tabs and search engines.', max_length=70, verbose_name='search engine title')),
                ('seo_description', models.CharField(blank=True, help_text='Optional, but search engines show it under the title: one or two sentences saying what the page is for.', max_length=300, verbose_name='search engine description')),
                ('search_text', models.TextField(blank=True, editable=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('last_edited_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['title'],
                'indexes': [models.Index(fields=['status', 'published_at'], name='page_status_published_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('status', 'published'), _negated=True), ('published_at__isnull', False), _connector='OR'), name='published_page_has_date')],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_SQL, "postgresql": POSTGRES_SQL}),
            _run({"sqlite": SQLITE_REVERSE_SQL, "postgresql": POSTGRES_REVERSE_SQL}),
        ),
    ]
