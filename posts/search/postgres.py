"""PostgreSQL backend: weighted tsvector with a GIN index, ts_rank, ts_headline, pg_trgm."""

import math
from contextlib import contextmanager

from django.db import connection, transaction

from posts.search.keys import post_id_of, year_key_range
from posts.search.query import ParsedQuery, Term
from posts.search.titles import distinctive_groups, group_weights

# ts_rank weights for {D, C, B, A}: body, (unused), standfirst/topics/authors, title.
WEIGHTS = "{0.05, 0.1, 0.4, 1.0}"
# How many of the best title-and-meta matches get the full (body-inclusive) ts_rank.
RERANK = 60
# Above this share of matching posts, newest_keys walks the newest posts instead of
# asking the GIN index for every match (see newest_keys).
WALK_SHARE = 0.4
HEADLINE_OPTIONS = (
    "StartSel=\ue000, StopSel=\ue001, MaxFragments=2, MaxWords=24, MinWords=10, "
    'FragmentDelimiter=" … "'
)


@contextmanager
def session():
    """One transaction for a search, planned for the GIN index.

    The planner prices `vector @@ query` as cheap, so for a common word it picks a
    sequential scan that reads every document's TOASTed vector (166 ms at 10,000 posts
    in the benchmark) over the GIN bitmap that needs none (6 ms). JIT compilation only
    adds latency to queries this short.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL jit = off")
        yield


def _term(term: Term, params, *, loose=False):
    params.append(term.text)
    if term.is_phrase and not loose:
        return "phraseto_tsquery('english', %s)"
    return "plainto_tsquery('english', %s)"


def compile_query(parsed: ParsedQuery, *, loose=False):
    """SQL for a tsquery, and its parameters. Words travel as parameters, never as syntax.

    A `loose` query asks for a phrase's words anywhere in the document: the GIN index
    answers it exactly, with no need to read any document's positions.
    """
    params = []
    expr = " && ".join(
        "(" + " || ".join(_term(t, params, loose=loose) for t in group) + ")"
        for group in parsed.groups
    )
    if parsed.excluded:
        expr = f"({expr}) && !!(" + " || ".join(_term(t, params) for t in parsed.excluded) + ")"
    return expr, params


def _filters(topic_id, year):
    # "+ 0" keeps the key range off the b-tree index: on the GIN path the match must come
    # from the GIN bitmap, not from testing `vector @@ query` row by row along a b-tree.
    sql, params = "", []
    if year is not None:
        low, high = year_key_range(year)
        sql += " AND d.sort_key + 0 > %s AND d.sort_key + 0 <= %s"
        params += [low, high]
    if topic_id is not None:
        sql += (
            " AND d.post_id IN (SELECT content_object_id FROM posts_taggedpost WHERE tag_id = %s)"
        )
        params.append(topic_id)
    return sql, params


def _shares(parsed, topic_id):
    """(share of posts the words match, share of posts with the topic, posts indexed).

    Rough: the words' share comes from the vocabulary's document counts (whole words,
    so stems make it an underestimate)."""
    wanted = sorted({w for group in parsed.groups for term in group for w in term.words})
    with connection.cursor() as cursor:
        # One round trip. The planner's row count stands in for count(*) once the table
        # is big enough for counting to cost.
        cursor.execute(
            """
            SELECT
                CASE WHEN c.reltuples >= 10000 THEN c.reltuples::bigint
                    ELSE (SELECT count(*) FROM posts_searchdocument) END,
                (SELECT count(*) FROM posts_taggedpost WHERE tag_id = %s),
                (SELECT coalesce(json_object_agg(term, documents), '{}')
                    FROM posts_searchterm WHERE term = ANY(%s))
            FROM pg_class c WHERE c.oid = 'posts_searchdocument'::regclass
            """,
            [topic_id, wanted],
        )
        posts, tagged, documents = cursor.fetchone()
    if not posts:
        return 0.0, 0.0, 0
    words = 1.0
    for group in parsed.groups:
        words *= min(
            1.0,
            sum(min(documents.get(w, 0) for w in term.words) / posts for term in group),
        )
    return words, (tagged / posts if topic_id is not None else 1.0), posts


def newest_keys(parsed, *, limit, topic_id=None, year=None):
    """Sort keys of the newest `limit` matches, newest first.

    Two ways, chosen by how common the match looks (`_shares`): when most posts match,
    walking the sort-key index from the newest post (within the year asked for) and
    testing each vector stops after about `limit / share` vectors; otherwise the GIN
    index finds every match and only their keys are sorted. A topic counts against the
    walk (PostgreSQL joins the whole document table to the topic's posts to walk them),
    a year does not (it is a range of the index). A walk that finds too few within its
    budget hands over to the GIN.
    """
    tsquery, params = compile_query(parsed)
    where, filter_params = _filters(topic_id, year)
    keys = []
    words, topic, posts = _shares(parsed, topic_id)
    if words * topic >= WALK_SHARE:
        budget = math.ceil(limit / (WALK_SHARE / 2))
        range_sql, range_params = "", []
        if year is not None:
            range_sql = " AND d.sort_key > %s AND d.sort_key <= %s"
            range_params = list(year_key_range(year))
        # ts_match_vq() is `@@` as a function: the planner cannot take it to the GIN.
        walk = f"""
            SELECT d.sort_key, d.vector FROM posts_searchdocument d
            WHERE true{range_sql}{where} ORDER BY d.sort_key LIMIT %s
        """  # noqa: S608
        walk_params = [*range_params, *filter_params, budget]
        # Only fixed SQL fragments are interpolated; every value is a parameter.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT w.sort_key FROM ({walk}) w WHERE ts_match_vq(w.vector, ({tsquery}))"  # noqa: S608
                " LIMIT %s",
                [*walk_params, *params, limit],
            )
            keys = [key for (key,) in cursor.fetchall()]
            if len(keys) == limit or posts < budget * 0.9:
                return keys  # enough, or the walk could test every post
            cursor.execute(f"SELECT max(w.sort_key), count(*) FROM ({walk}) w", walk_params)  # noqa: S608
            last_walked, walked = cursor.fetchone()
        if walked < budget:
            return keys  # every candidate was tested
        where += " AND d.sort_key + 0 > %s"
        filter_params.append(last_walked)
    loose, loose_params = compile_query(parsed, loose=True)
    if loose != tsquery:
        # Phrases: the GIN finds the posts with all the words; each is read to check the
        # phrase until enough are found.
        return keys + _newest_checked(
            f"d.vector @@ ({loose}){where}",
            [*loose_params, *filter_params],
            parsed,
            limit - len(keys),
        )
    # Words only: the GIN answer is exact and no document needs to be read.
    sql = f"""
        SELECT m.sort_key FROM (
            SELECT d.sort_key FROM posts_searchdocument d
            WHERE d.vector @@ ({tsquery}){where} OFFSET 0
        ) m ORDER BY m.sort_key LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *filter_params, limit - len(keys)])
        return keys + [key for (key,) in cursor.fetchall()]


def newest_title_keys(parsed, *, limit, topic_id=None, year=None):
    """Sort keys of the newest `limit` matches with the query's distinctive words in their
    title (posts/search/titles.py; title_vector's GIN index finds them: few posts carry
    a word in their title)."""
    wanted, wanted_params = compile_query(ParsedQuery(groups=distinctive_groups(parsed)))
    where, filter_params = _filters(topic_id, year)
    return _newest_checked(
        f"d.title_vector @@ ({wanted}){where}", [*wanted_params, *filter_params], parsed, limit
    )


def _newest_checked(candidates, candidate_params, parsed, limit):
    """Sort keys of the newest `limit` rows meeting `candidates` (a GIN-indexed condition
    on `d`) that match the whole query: only keys are sorted, then each candidate's
    vector is read, newest first, until `limit` match."""
    tsquery, params = compile_query(parsed)
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        SELECT c.sort_key FROM (
            SELECT m.sort_key, m.post_id FROM (
                SELECT d.sort_key, d.post_id FROM posts_searchdocument d
                WHERE {candidates} OFFSET 0
            ) m ORDER BY m.sort_key OFFSET 0
        ) c
        WHERE (
            SELECT ts_match_vq(v.vector, ({tsquery}))
            FROM posts_searchdocument v WHERE v.post_id = c.post_id
        )
        LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*candidate_params, *params, limit])
        return [key for (key,) in cursor.fetchall()]


def ranked_ids(parsed, keys, *, extra=(), topic_id=None, year=None, offset=0, limit=10):
    """[(post_id, score)] of the posts with these sort keys (newest_keys' answer, and
    `extra` ones such as newest_title_keys'), best first.

    First by how much of the query the title holds (posts/search/titles.py), then by
    ts_rank, then newest. ts_rank must read a document's whole vector (TOASTed, several
    KB), so only the RERANK best by title share and title-and-meta rank (head_vector:
    small) get it; the rest follow their head rank. `topic_id` and `year` were applied
    by newest_keys.
    """
    if not keys:
        return []
    tsquery, params = compile_query(parsed)
    shares = []
    for number, (group, weight) in enumerate(
        zip(parsed.groups, group_weights(parsed), strict=True)
    ):
        group_sql, group_params = compile_query(ParsedQuery(groups=[group]))
        shares.append((f"{group_sql} AS g{number}", group_params, weight))
    group_columns = "".join(f", {sql}" for sql, _, _ in shares)
    title_share = " + ".join(
        f"CASE WHEN d.title_vector @@ q.g{number} THEN %s::float8 ELSE 0 END"
        for number in range(len(shares))
    )
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        WITH q AS MATERIALIZED (SELECT {tsquery} AS q{group_columns}),
        head AS MATERIALIZED (
            SELECT d.post_id, d.sort_key, {title_share} AS title_share,
                ts_rank(%s::float4[], d.head_vector, q.q) AS rank
            FROM posts_searchdocument d, q WHERE d.post_id = ANY(%s)
        ),
        top AS MATERIALIZED (
            SELECT * FROM head ORDER BY title_share DESC, rank DESC, sort_key LIMIT %s
        )
        SELECT post_id, score FROM (
            SELECT top.post_id, top.sort_key, top.title_share, 0 AS tier,
                top.rank + ts_rank(%s::float4[], d.vector, q.q) AS score
            FROM top JOIN posts_searchdocument d ON d.post_id = top.post_id, q
            UNION ALL
            SELECT post_id, sort_key, title_share, 1, rank FROM head
            WHERE post_id NOT IN (SELECT post_id FROM top)
        ) ranked
        ORDER BY round(title_share::numeric, 6) DESC, tier, score DESC, sort_key
        LIMIT %s OFFSET %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                *params,
                *(p for _, group_params, _ in shares for p in group_params),
                *(weight for _, _, weight in shares),
                WEIGHTS,
                [post_id_of(k) for k in (*keys, *extra)],
                RERANK,
                WEIGHTS,
                limit,
                offset,
            ],
        )
        return cursor.fetchall()


def topic_counts(post_ids):
    """{topic id: how many of these posts have it}. The ids travel as one array parameter."""
    sql = """
        SELECT tag_id, count(*) FROM posts_taggedpost
        WHERE content_object_id = ANY(%s) GROUP BY tag_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(post_ids)])
        return dict(cursor.fetchall())


def total(parsed, *, topic_id=None, year=None):
    """How many posts match (exactly: the benchmark's check of how common a word is)."""
    tsquery, params = compile_query(parsed)
    where, filter_params = _filters(topic_id, year)
    sql = f"SELECT count(*) FROM posts_searchdocument d WHERE d.vector @@ ({tsquery}){where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *filter_params])
        return cursor.fetchone()[0]


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
