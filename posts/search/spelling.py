"""'Did you mean …': corrections built from the words of the public posts.

Both backends supply candidates that share trigrams with an unknown word
(pg_trgm's GIN index; an FTS5 trigram table on SQLite); the choice among them
is made here, the same way for both: fewest edits, then the word used by most
posts, then the most shared trigrams.
"""

import re

from posts.search.query import STOPWORDS, fold, parse

MAX_CORRECTIONS = 4
_NOT_QUERY_SYNTAX = re.compile(r"[^\w\s\"'-]")


def trigrams(word):
    """pg_trgm's trigrams of one word: padded with two spaces before and one after."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a, b):
    """pg_trgm's similarity(): shared trigrams over all trigrams of the two words."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta or tb else 0.0


def edit_distance(a, b):
    """Damerau-Levenshtein distance (adjacent swaps count as one edit)."""
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, prev2[j - 2] + 1)
            row.append(value)
        prev2, prev = prev, row
    return prev[-1]


def best_correction(word, candidates):
    """The likeliest intended word among [(term, documents)], or None."""
    allowed = 1 if len(word) < 6 else 2
    scored = []
    for term, documents in candidates:
        if term == word:
            return None
        distance = edit_distance(word, term)
        if distance <= allowed:
            scored.append((distance, -documents, -similarity(word, term), term))
    return min(scored)[-1] if scored else None


def suggest(query, parsed, engine, *, better_than=0, topic_id=None, year=None):
    """A corrected query that finds more than `better_than` posts, or "".

    Only unknown words are corrected, and the correction is offered only if it finds
    more, so the link never leads to an emptier page.
    """
    from posts.search.models import SearchTerm

    asked = [
        w
        for w in dict.fromkeys(parsed.plain_words)
        if len(w) >= 3 and w.isalpha() and w not in STOPWORDS
    ]
    if not asked:
        return ""
    known = set(SearchTerm.objects.filter(term__in=asked).values_list("term", flat=True))
    # Keep words, quotes, minus signs and OR: the suggestion is a query to run, not a
    # copy of whatever punctuation was typed.
    text = " ".join(_NOT_QUERY_SYNTAX.sub(" ", fold(query, lower=False)).split())
    changed = False
    for word in [w for w in asked if w not in known][:MAX_CORRECTIONS]:
        correction = best_correction(word, engine.similar_terms(word))
        if correction:
            text = re.sub(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", correction, text)
            changed = True
    if not changed:
        return ""
    corrected = parse(text)
    if not corrected:
        return ""
    found = engine.newest_keys(corrected, limit=better_than + 1, topic_id=topic_id, year=year)
    return text if len(found) > better_than else ""
