"""PostgreSQL backend: weighted tsvector with a GIN index, ts_rank, ts_headline, pg_trgm."""

from django.db import connection

from posts.search.query import ParsedQuery, Term

# ts_rank weights for {D, C, B, A}: body, (unused), standfirst/topics/authors, title.
WEIGHTS = "{0.05, 0.1, 0.4, 1.0}"
HEADLINE_OPTIONS = (
    "StartSel=\ue000, StopSel=\ue001, MaxFragments=2, MaxWords=24, MinWords=10, "
    'FragmentDelimiter=" … "'
)


def _term(term: Term, params):
    params.append(term.text)
    if term.is_phrase:
        return "phraseto_tsquery('english', %s)"
    return "plainto_tsquery('english', %s)"


def compile_query(parsed: ParsedQuery):
    """SQL for a tsquery, and its parameters. Words travel as parameters, never as syntax."""
    params = []
    expr = " && ".join(
        "(" + " || ".join(_term(t, params) for t in group) + ")" for group in parsed.groups
    )
    if parsed.excluded:
        expr = f"({expr}) && !!(" + " || ".join(_term(t, params) for t in parsed.excluded) + ")"
    return expr, params


def _filters(topic_id, year):
    sql, params = "", []
    if year is not None:
        sql += " AND d.year = %s"
        params.append(year)
    if topic_id is not None:
        sql += (
            " AND d.post_id IN (SELECT content_object_id FROM posts_taggedpost WHERE tag_id = %s)"
        )
        params.append(topic_id)
    return sql, params


def counts(parsed, *, topic_id=None, year=None):
    """(year counts, topic counts) of all matches; their year counts sum to the total."""
    tsquery, params = compile_query(parsed)
    where, filter_params = _filters(topic_id, year)
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        WITH m AS MATERIALIZED (
            SELECT d.post_id, d.year FROM posts_searchdocument d
            WHERE d.vector @@ ({tsquery}){where}
        )
        SELECT 0, year, count(*) FROM m GROUP BY year
        UNION ALL
        SELECT 1, tp.tag_id, count(*) FROM m
        JOIN posts_taggedpost tp ON tp.content_object_id = m.post_id GROUP BY tp.tag_id
    """  # noqa: S608
    years, topics = {}, {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *filter_params])
        for kind, key, n in cursor.fetchall():
            (topics if kind else years)[key] = n
    return years, topics


def ranked_ids(parsed, *, topic_id=None, year=None, offset=0, limit=10):
    """[(post_id, score)] best first. Recency breaks ties."""
    tsquery, params = compile_query(parsed)
    where, filter_params = _filters(topic_id, year)
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        SELECT d.post_id, ts_rank(%s::float4[], d.vector, q.q) AS score
        FROM posts_searchdocument d, (SELECT {tsquery} AS q) q
        WHERE d.vector @@ q.q{where}
        ORDER BY score DESC, d.published_at DESC, d.post_id DESC
        LIMIT %s OFFSET %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [WEIGHTS, *params, *filter_params, limit, offset])
        return cursor.fetchall()


def snippets(parsed, post_ids, start, stop):
    """{post_id: (body excerpt, standfirst/meta excerpt)}, matches between start and stop."""
    if not post_ids:
        return {}
    tsquery, params = compile_query(parsed)
    options = HEADLINE_OPTIONS.replace("\ue000", start).replace("\ue001", stop)
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        SELECT d.post_id, ts_headline('english', d.body, q.q, %s),
            ts_headline('english', d.meta, q.q, %s)
        FROM posts_searchdocument d, (SELECT {tsquery} AS q) q
        WHERE d.post_id = ANY(%s)
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [options, options, *params, list(post_ids)])
        return {pk: (body, meta) for pk, body, meta in cursor.fetchall()}


def similar_terms(word, limit=30):
    """[(term, documents)] trigram-similar to `word` (pg_trgm, GIN-indexed), most similar first."""
    sql = """
        SELECT term, documents FROM posts_searchterm
        WHERE term %% %s ORDER BY similarity(term, %s) DESC, documents DESC LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [word, word, limit])
        return cursor.fetchall()
