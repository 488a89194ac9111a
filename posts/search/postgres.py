"""PostgreSQL backend: weighted tsvector with a GIN index, ts_rank, ts_headline, pg_trgm."""

from contextlib import contextmanager

from django.db import connection, transaction

from posts.search.query import ParsedQuery, Term

# ts_rank weights for {D, C, B, A}: body, (unused), standfirst/topics/authors, title.
WEIGHTS = "{0.05, 0.1, 0.4, 1.0}"
# How many of the best title-and-meta matches get the full (body-inclusive) ts_rank.
RERANK = 60
HEADLINE_OPTIONS = (
    "StartSel=\ue000, StopSel=\ue001, MaxFragments=2, MaxWords=24, MinWords=10, "
    'FragmentDelimiter=" … "'
)


@contextmanager
def session():
    """One transaction for a search, planned for the GIN index.

    The planner prices `vector @@ query` as cheap, so for a common word it picks a
    sequential scan that decompresses every document's vector (166 ms at 10,000 posts
    in the benchmark) over the GIN bitmap that needs none (6 ms). JIT compilation only
    adds latency to queries this short.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL jit = off")
        yield


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


def _filters(topic_id, year, min_id=None):
    # "+ 0" keeps these conditions off the b-tree indexes: a b-tree path would then test
    # `vector @@ query` row by row, decompressing each vector, instead of using the GIN.
    sql, params = "", []
    if min_id is not None:
        sql += " AND d.post_id + 0 >= %s"
        params.append(min_id)
    if year is not None:
        sql += " AND d.year + 0 = %s"
        params.append(year)
    if topic_id is not None:
        sql += (
            " AND d.post_id IN (SELECT content_object_id FROM posts_taggedpost WHERE tag_id = %s)"
        )
        params.append(topic_id)
    return sql, params


def counts(parsed, *, topic_id=None, year=None, min_id=None):
    """(year counts, topic counts) of the matches; their year counts sum to the total."""
    tsquery, params = compile_query(parsed)
    where, filter_params = _filters(topic_id, year, min_id)
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


def ranked_ids(parsed, *, topic_id=None, year=None, min_id=None, offset=0, limit=10):
    """[(post_id, score)] best first. Recency breaks ties.

    ts_rank must read each document's whole vector (TOASTed, several KB), so it runs on
    the RERANK best matches by title-and-meta rank (head_vector: small, stored inline)
    only; results past that follow the head rank, then recency.
    """
    tsquery, params = compile_query(parsed)
    where, filter_params = _filters(topic_id, year, min_id)
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    stage1 = f"""
        SELECT d.post_id, d.published_at, ts_rank(%s::float4[], d.head_vector, q.q) AS head
        FROM posts_searchdocument d, (SELECT {tsquery} AS q) q
        WHERE d.vector @@ q.q{where}
        ORDER BY head DESC, d.published_at DESC, d.post_id DESC
    """  # noqa: S608
    stage1_params = [WEIGHTS, *params, *filter_params]
    rows = []
    with connection.cursor() as cursor:
        if offset < RERANK:
            sql = f"""
                WITH top AS MATERIALIZED ({stage1} LIMIT %s)
                SELECT top.post_id, ts_rank(%s::float4[], d.vector, q.q) + top.head AS score
                FROM top JOIN posts_searchdocument d ON d.post_id = top.post_id,
                    (SELECT {tsquery} AS q) q
                ORDER BY score DESC, top.published_at DESC, top.post_id DESC
                LIMIT %s OFFSET %s
            """  # noqa: S608
            cursor.execute(sql, [*stage1_params, RERANK, WEIGHTS, *params, limit, offset])
            rows = cursor.fetchall()
        if offset + limit > RERANK:
            start = max(offset, RERANK)
            cursor.execute(
                f"{stage1} LIMIT %s OFFSET %s",
                [*stage1_params, offset + limit - start, start],
            )
            rows += [(pk, head) for pk, _, head in cursor.fetchall()]
    return rows[:limit]


def total(parsed, *, topic_id=None, year=None):
    """How many posts match."""
    tsquery, params = compile_query(parsed)
    where, filter_params = _filters(topic_id, year)
    sql = f"SELECT count(*) FROM posts_searchdocument d WHERE d.vector @@ ({tsquery}){where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *filter_params])
        return cursor.fetchone()[0]


def newest_ids(parsed, *, limit, topic_id=None, year=None):
    """Ids of the newest `limit` matches, newest first.

    OFFSET 0 fences the match off so it runs on the GIN bitmap (no vector is read, only
    ids are sorted) rather than walking the primary key and testing each row's vector.
    """
    tsquery, params = compile_query(parsed)
    where, filter_params = _filters(topic_id, year)
    sql = f"""
        SELECT m.post_id FROM (
            SELECT d.post_id FROM posts_searchdocument d
            WHERE d.vector @@ ({tsquery}){where} OFFSET 0
        ) m ORDER BY m.post_id DESC LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *filter_params, limit])
        return [pk for (pk,) in cursor.fetchall()]


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
