"""Sort keys: how the search indexes address a document, newest first.

A key packs a post's publication second and its id into one signed 64-bit integer
whose ascending order is newest first, so the full-text indexes (FTS5's rowid on
SQLite, a b-tree on PostgreSQL) can walk matches from the newest and stop, or seek
straight to one year's run of keys. Ids must stay below KEY_SCALE.
"""

import math
from bisect import bisect_right
from datetime import datetime

from django.utils import timezone

# Post ids stay below this, so two posts published in the same second still differ.
KEY_SCALE = 1_000_000_000


def sort_key(published_at, post_id):
    """Ascending order of this key is newest first (by publication second, then id)."""
    return -(math.floor(published_at.timestamp()) * KEY_SCALE + post_id)


def post_id_of(key):
    return -key % KEY_SCALE


def year_of(key):
    """The local-time year a sort key was published in."""
    seconds = -key // KEY_SCALE
    return datetime.fromtimestamp(seconds, timezone.get_current_timezone()).year


def year_key_range(year):
    """(low, high): the sort keys of posts published in `year`, local time, are
    low < key <= high. A year is a contiguous run of keys, so the index can seek to it."""
    zone = timezone.get_current_timezone()
    start = datetime(year, 1, 1, tzinfo=zone).timestamp()
    end = datetime(year + 1, 1, 1, tzinfo=zone).timestamp()
    return -math.ceil(end) * KEY_SCALE, -math.ceil(start) * KEY_SCALE


def count_years(keys):
    """{year: how many of `keys` were published in it}, from a few year boundaries."""
    ordered = sorted(keys)
    counts = {}
    if ordered:
        for year in range(year_of(ordered[-1]), year_of(ordered[0]) + 1):
            low, high = year_key_range(year)
            if n := bisect_right(ordered, high) - bisect_right(ordered, low):
                counts[year] = n
    return counts
