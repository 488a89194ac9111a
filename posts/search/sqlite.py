"""SQLite FTS5 backend: bm25 with column weights, snippet(), a trigram table for spelling."""

from contextlib import nullcontext

from django.db import connection

from posts.search.query import ParsedQuery, Term

# bm25 weights of the FTS5 columns (title, meta, body). A word in the title counts
# ten times one in the body; the standfirst, topics and authors four times.
WEIGHTS = (10.0, 4.0, 1.0)
SNIPPET_WORDS = 24


def _term(term: Term):
    # Words are letters and digits only (query.py), so quoting cannot be escaped.
    return '"' + " ".join(term.words) + '"'


def compile_query(parsed: ParsedQuery):
    """FTS5 MATCH text: AND of groups, OR within a group, NOT for exclusions."""
    expr = " AND ".join("(" + " OR ".join(_term(t) for t in group) + ")" for group in parsed.groups)
    if parsed.excluded:
        expr = f"({expr}) NOT (" + " OR ".join(_term(t) for t in parsed.excluded) + ")"
    return expr


def session():
    """Nothing to set up on SQLite (see postgres.session)."""
    return nullcontext()


# CROSS JOIN keeps FTS5 as the outer loop (SQLite never reorders it): driving from a
# filter instead makes FTS5 re-run the MATCH once per candidate row.
def _filters(topic_id, year, min_id=None):
    sql, params = "", []
    if min_id is not None:
        sql += " AND f.rowid >= %s"
        params.append(min_id)
    if year is not None:
        sql += " AND d.year = %s"
        params.append(year)
    if topic_id is not None:
        sql += (
            " AND d.post_id IN (SELECT content_object_id FROM posts_taggedpost WHERE tag_id = %s)"
        )
        params.append(topic_id)
    return sql, params


def counts(parsed, *, topic_id=None, year=None, min_id=None):
    """(year counts, topic counts) of the matches; their year counts sum to the total."""
    where, params = _filters(topic_id, year, min_id)
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        WITH m AS MATERIALIZED (
            SELECT d.post_id, d.year FROM posts_search_fts f
            CROSS JOIN posts_searchdocument d ON d.post_id = f.rowid
            WHERE posts_search_fts MATCH %s{where}
        )
        SELECT 0, year, count(*) FROM m GROUP BY year
        UNION ALL
        SELECT 1, tp.tag_id, count(*) FROM m
        JOIN posts_taggedpost tp ON tp.content_object_id = m.post_id GROUP BY tp.tag_id
    """  # noqa: S608
    years, topics = {}, {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [compile_query(parsed), *params])
        for kind, key, n in cursor.fetchall():
            (topics if kind else years)[key] = n
    return years, topics


def ranked_ids(parsed, *, topic_id=None, year=None, min_id=None, offset=0, limit=10):
    """[(post_id, score)] best first; a higher score is better. Recency breaks ties."""
    where, params = _filters(topic_id, year, min_id)
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        SELECT f.rowid, bm25(posts_search_fts, %s, %s, %s) AS score
        FROM posts_search_fts f CROSS JOIN posts_searchdocument d ON d.post_id = f.rowid
        WHERE posts_search_fts MATCH %s{where}
        ORDER BY score, d.published_at DESC, f.rowid DESC
        LIMIT %s OFFSET %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*WEIGHTS, compile_query(parsed), *params, limit, offset])
        # bm25() is negative, lower is better: flip it so every backend's rank grows.
        return [(pk, -score) for pk, score in cursor.fetchall()]


def total(parsed, *, topic_id=None, year=None):
    """How many posts match."""
    where, params = _filters(topic_id, year)
    join = " CROSS JOIN posts_searchdocument d ON d.post_id = f.rowid" if where else ""
    sql = f"SELECT count(*) FROM posts_search_fts f{join} WHERE posts_search_fts MATCH %s{where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [compile_query(parsed), *params])
        return cursor.fetchone()[0]


def newest_ids(parsed, *, limit, topic_id=None, year=None):
    """Ids of the newest `limit` matches, newest first: FTS5 walks its doclist backwards
    and stops there, so the cost is bounded by `limit`, not by how common the words are."""
    where, params = _filters(topic_id, year)
    sql = f"""
        SELECT f.rowid FROM posts_search_fts f
        CROSS JOIN posts_searchdocument d ON d.post_id = f.rowid
        WHERE posts_search_fts MATCH %s{where} ORDER BY f.rowid DESC LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [compile_query(parsed), *params, limit])
        return [pk for (pk,) in cursor.fetchall()]


def snippets(parsed, post_ids, start, stop):
    """{post_id: (body excerpt, standfirst/meta excerpt)}, matches between start and stop."""
    if not post_ids:
        return {}
    marks = ", ".join(["%s"] * len(post_ids))
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        SELECT rowid, snippet(posts_search_fts, 2, %s, %s, '…', {SNIPPET_WORDS}),
            snippet(posts_search_fts, 1, %s, %s, '…', {SNIPPET_WORDS})
        FROM posts_search_fts WHERE posts_search_fts MATCH %s AND rowid IN ({marks})
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, stop, start, stop, compile_query(parsed), *post_ids])
        return {pk: (body, meta) for pk, body, meta in cursor.fetchall()}


def similar_terms(word, limit=30):
    """[(term, documents)] sharing trigrams with `word`, most shared first."""
    padded = word if len(word) >= 3 else None
    if not padded:
        return []
    trigrams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
    match = " OR ".join('"' + t + '"' for t in trigrams)
    sql = """
        SELECT t.term, t.documents FROM posts_search_vocab v
        JOIN posts_searchterm t ON t.id = v.rowid
        WHERE posts_search_vocab MATCH %s
        ORDER BY v.rank LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, limit])
        return cursor.fetchall()
