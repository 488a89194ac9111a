"""Site search finds pages too: the posts' search calls this for each query.

Neither imports the other: posts.search finds this function by name
(settings.SEARCH_EXTRA_SOURCES) and hands it the query, parsed, with its backend
module for the database in use, whose own compiler turns it into FTS5 or tsquery
text, so pages match exactly as posts do. The index is the pages table itself: an FTS5 table
kept in step by triggers on SQLite, a generated tsvector column with a GIN
index on PostgreSQL (migration site 0005). Visibility is Page.objects.published(),
applied inside the same query.
"""

from django.db import connection

from flse_hub.site.models import Page

# Title ten times the body, as the posts' title weighs against their body.
SQLITE_WEIGHTS = (10.0, 1.0)
POSTGRES_WEIGHTS = "{0.05, 0.1, 0.4, 1.0}"
SNIPPET_WORDS = 24


def matching_pages(engine, parsed, start, stop, limit):
    """[(page, snippet text with matches between start and stop)] best first, public only.

    `engine` is posts' search backend for this database (posts.search.backend())."""
    visible, visible_params = Page.objects.published().values("pk").query.sql_with_params()
    if connection.vendor == "postgresql":
        rows = _postgres(engine, parsed, start, stop, limit, visible, visible_params)
    else:
        rows = _sqlite(engine, parsed, start, stop, limit, visible, visible_params)
    pages = Page.objects.in_bulk([pk for pk, _ in rows])
    return [(pages[pk], snippet) for pk, snippet in rows if pk in pages]


def _sqlite(engine, parsed, start, stop, limit, visible, visible_params):
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        SELECT f.rowid, snippet(site_page_fts, 1, %s, %s, '…', {SNIPPET_WORDS})
        FROM site_page_fts f
        WHERE site_page_fts MATCH %s AND f.rowid IN ({visible})
        ORDER BY bm25(site_page_fts, %s, %s), f.rowid LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [start, stop, engine.compile_query(parsed), *visible_params, *SQLITE_WEIGHTS, limit],
        )
        return cursor.fetchall()


def _postgres(engine, parsed, start, stop, limit, visible, visible_params):
    tsquery, params = engine.compile_query(parsed)
    options = engine.HEADLINE_OPTIONS.replace("\ue000", start).replace("\ue001", stop)
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        SELECT p.id, ts_headline('english', p.search_text, q.q, %s)
        FROM site_page p, (SELECT {tsquery} AS q) q
        WHERE p.search_vector @@ q.q AND p.id IN ({visible})
        ORDER BY ts_rank(%s::float4[], p.search_vector, q.q) DESC, p.id LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [options, *params, *visible_params, POSTGRES_WEIGHTS, limit])
        return cursor.fetchall()
