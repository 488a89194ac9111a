"""SQLite FTS5 backend: bm25 with column weights, snippet(), a trigram table for spelling."""

import json
from contextlib import nullcontext

from django.db import connection

from posts.search.keys import KEY_SCALE, post_id_of, year_key_range
from posts.search.query import ParsedQuery, Term
from posts.search.titles import distinctive_groups, group_weights

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


def _filters(topic_id, year):
    """SQL narrowing FTS5 rows (as `f`) to a topic and a year; a year is a range of keys."""
    sql, params = "", []
    if year is not None:
        low, high = year_key_range(year)
        sql += " AND f.rowid > %s AND f.rowid <= %s"
        params += [low, high]
    if topic_id is not None:
        # The post id is part of the key; as an expression it is tested per row instead
        # of being handed to FTS5 as a list of rowids to look up one MATCH at a time.
        # "%%" is the modulo: with parameters, a lone % is a format directive to Django's
        # debug cursor (DEBUG's SQL logging did `sql % params` and failed on it).
        sql += (
            f" AND (-f.rowid) %% {KEY_SCALE} IN"  # noqa: S608 — a constant
            " (SELECT content_object_id FROM posts_taggedpost WHERE tag_id = %s)"
        )
        params.append(topic_id)
    return sql, params


def newest_keys(parsed, *, limit, topic_id=None, year=None):
    """Sort keys of the newest `limit` matches, newest first.

    The FTS5 rowid is the sort key, so this walks the doclists from their start and
    stops after `limit` matches: the cost follows `limit`, not how common the words are.
    """
    where, params = _filters(topic_id, year)
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        SELECT f.rowid FROM posts_search_fts f
        WHERE posts_search_fts MATCH %s{where} ORDER BY f.rowid LIMIT %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [compile_query(parsed), *params, limit])
        return [key for (key,) in cursor.fetchall()]


def newest_title_keys(parsed, *, limit, topic_id=None, year=None):
    """Sort keys of the newest `limit` matches with the query's distinctive words in their
    title (posts/search/titles.py).

    The title-only table finds them from the (short) titles' doclists; when the title
    need not hold the whole query, each is also checked against the main table.
    """
    where, params = _filters(topic_id, year)
    distinctive = distinctive_groups(parsed)
    wanted = compile_query(ParsedQuery(groups=distinctive))
    if parsed.excluded or len(distinctive) < len(parsed.groups):
        source = (
            "posts_search_title f CROSS JOIN posts_search_fts m ON m.rowid = f.rowid"
            " WHERE posts_search_title MATCH %s AND posts_search_fts MATCH %s"
        )
        params = [wanted, compile_query(parsed), *params]
    else:
        source = "posts_search_title f WHERE posts_search_title MATCH %s"
        params = [wanted, *params]
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"SELECT f.rowid FROM {source}{where} ORDER BY f.rowid LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return [key for (key,) in cursor.fetchall()]


def ranked_ids(parsed, keys, *, extra=(), topic_id=None, year=None, offset=0, limit=10):
    """[(post_id, score)] of the matches among `keys` (newest_keys' answer) and `extra`
    (older keys, such as newest_title_keys' answer), best first.

    First by how much of the query the title holds (posts/search/titles.py), then by
    bm25 (higher is better), then newest. bm25 needs a MATCH, so the match runs again:
    over the run of keys from the newest to the oldest in `keys`, and over the run the
    `extra` keys lie in, keeping only those.
    """
    if not keys:
        return []
    where, params = _filters(topic_id, year)
    score = "bm25(posts_search_fts, %s, %s, %s)"
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        SELECT f.rowid, {score} AS score FROM posts_search_fts f
        WHERE posts_search_fts MATCH %s AND f.rowid >= %s AND f.rowid <= %s{where}
    """  # noqa: S608
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*WEIGHTS, compile_query(parsed), keys[0], keys[-1], *params])
        rows = cursor.fetchall()
        if extra:
            # One walk over the run of keys the extra posts lie in. Looking each one up
            # (rowid = ?) restarts FTS5's cursor, and bm25 then recounts each phrase's
            # posts across the whole index per post (10 ms each for "systems change").
            # "+" keeps the IN list from FTS5, which would look the keys up one by one.
            cursor.execute(
                f"SELECT f.rowid, {score} FROM posts_search_fts f"  # noqa: S608
                " WHERE posts_search_fts MATCH %s AND f.rowid >= %s AND f.rowid <= %s"
                " AND +f.rowid IN (SELECT value FROM json_each(%s))",
                [*WEIGHTS, compile_query(parsed), min(extra), max(extra), json.dumps(list(extra))],
            )
            rows += cursor.fetchall()
        share = _title_shares(cursor, parsed, keys[0], keys[-1])
        if extra:
            share.update(_title_shares(cursor, parsed, min(extra), max(extra)))
    # bm25() is negative, lower is better: flip it so every backend's rank grows.
    rows.sort(key=lambda row: (-round(share.get(row[0], 0.0), 6), row[1], row[0]))
    return [(post_id_of(key), -score) for key, score in rows[offset : offset + limit]]


def _title_shares(cursor, parsed, first_key, last_key):
    """{sort key: weighted share of the query's groups in its title} for keys in a run.

    One lookup per group in the title-only table: titles are short, so even a common
    word's doclist there is small, and the run of keys bounds it.
    """
    shares = {}
    for group, weight in zip(parsed.groups, group_weights(parsed), strict=True):
        cursor.execute(
            "SELECT rowid FROM posts_search_title WHERE posts_search_title MATCH %s"
            " AND rowid >= %s AND rowid <= %s",
            [compile_query(ParsedQuery(groups=[group])), first_key, last_key],
        )
        for (key,) in cursor.fetchall():
            shares[key] = shares.get(key, 0.0) + weight
    return shares


def topic_counts(post_ids):
    """{topic id: how many of these posts have it}. The ids travel as one JSON parameter."""
    sql = """
        SELECT tag_id, count(*) FROM posts_taggedpost
        WHERE content_object_id IN (SELECT value FROM json_each(%s)) GROUP BY tag_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(post_ids)])
        return dict(cursor.fetchall())


def total(parsed, *, topic_id=None, year=None):
    """How many posts match (exactly: the benchmark's check of how common a word is)."""
    where, params = _filters(topic_id, year)
    sql = f"SELECT count(*) FROM posts_search_fts f WHERE posts_search_fts MATCH %s{where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [compile_query(parsed), *params])
        return cursor.fetchone()[0]


def snippets(parsed, post_ids, start, stop):
    """{post_id: (body excerpt, standfirst/meta excerpt)}, matches between start and stop."""
    if not post_ids:
        return {}
    marks = ", ".join(["%s"] * len(post_ids))
    # Only fixed SQL fragments are interpolated; every value is a parameter.
    sql = f"""
        SELECT d.post_id, snippet(posts_search_fts, 2, %s, %s, '…', {SNIPPET_WORDS}),
            snippet(posts_search_fts, 1, %s, %s, '…', {SNIPPET_WORDS})
        FROM posts_searchdocument d CROSS JOIN posts_search_fts f ON f.rowid = d.sort_key
        WHERE d.post_id IN ({marks}) AND posts_search_fts MATCH %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, stop, start, stop, *post_ids, compile_query(parsed)])
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
