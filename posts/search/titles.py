"""How much of a query a post's title holds: what both backends rank by first.

bm25 and ts_rank both saturate with repetition and, per word, barely tell a
title from a long body: a long post saying "co-production" sixty times
outranked a short one titled "Co-production toolkit" for the query
"co-production toolkit", whatever the column weights. So results are ordered
first by the share of the query's words found in the title, each word
weighted by how distinctive it is on this site (fewer posts using it, more
weight), then by the backend's text rank, then by recency. Common words around
the distinctive ones ("the co-production toolkit for services") weigh little,
and a title holding them alone ("Services") does not beat one holding the rest.
"""

import math

from posts.search.models import SearchTerm
from posts.search.query import ParsedQuery


def group_weights(parsed: ParsedQuery):
    """One weight per required group of `parsed`, summing to 1: rarer words weigh more.

    A group's document count is the vocabulary's (posts/search/models.SearchTerm: whole
    folded words, so stems and words under three letters are not counted); a phrase
    counts as its rarest known word, an OR group as the sum of its alternatives.
    """
    wanted = {w for group in parsed.groups for term in group for w in term.words}
    documents = dict(SearchTerm.objects.filter(term__in=wanted).values_list("term", "documents"))
    raw = []
    for group in parsed.groups:
        count = 0
        for term in group:
            known = [documents[w] for w in term.words if w in documents]
            count += min(known) if known else 0
        raw.append(1 / (1 + math.log1p(count)))
    total = sum(raw)
    return [w / total for w in raw] if total else []


def distinctive_groups(parsed: ParsedQuery):
    """The rarest of the query's groups that together carry at least half its weight.

    A title holding these holds what the query is about: older posts with them in their
    title join a capped ranking (posts.search.WINDOW) even if a common word of the
    query is only in their body.
    """
    weights = group_weights(parsed)
    by_rarity = sorted(range(len(weights)), key=lambda i: -weights[i])
    chosen, carried = set(), 0.0
    for i in by_rarity:
        chosen.add(i)
        carried += weights[i]
        if carried >= 0.5:
            break
    return [group for i, group in enumerate(parsed.groups) if i in chosen]
