"""Sort keys: ascending is newest first, and a year is one contiguous run of keys."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from posts.search.keys import count_years, post_id_of, sort_key, year_key_range, year_of

LONDON = ZoneInfo("Europe/London")


def test_ascending_keys_are_newest_first_and_ties_go_to_the_later_post():
    now = datetime(2024, 6, 1, 12, 0, 0, tzinfo=LONDON)
    keys = [
        sort_key(now, 5),
        sort_key(now, 7),  # the same second: the later post is newer
        sort_key(now - timedelta(seconds=1), 900_000_000),
        sort_key(now + timedelta(days=1), 1),
    ]
    assert sorted(keys) == [keys[3], keys[1], keys[0], keys[2]]


@pytest.mark.parametrize("post_id", [1, 42, 999_999_999])
def test_a_key_gives_back_its_post_and_year(post_id):
    when = datetime(2019, 12, 31, 23, 59, 59, 500_000, tzinfo=LONDON)
    with override_settings(TIME_ZONE="Europe/London"):
        assert post_id_of(sort_key(when, post_id)) == post_id
        assert year_of(sort_key(when, post_id)) == 2019


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Asia/Kolkata"])
def test_a_year_is_the_keys_between_its_local_new_years(zone):
    tz = ZoneInfo(zone)
    with override_settings(TIME_ZONE=zone):
        low, high = year_key_range(2021)
        inside = [
            datetime(2021, 1, 1, 0, 0, 0, tzinfo=tz),
            datetime(2021, 7, 1, tzinfo=tz),
            datetime(2021, 12, 31, 23, 59, 59, 999_999, tzinfo=tz),
        ]
        outside = [
            datetime(2020, 12, 31, 23, 59, 59, 999_999, tzinfo=tz),
            datetime(2022, 1, 1, 0, 0, 0, tzinfo=tz),
        ]
        for when in inside:
            for post_id in (1, 999_999_999):
                assert low < sort_key(when, post_id) <= high, when
                assert year_of(sort_key(when, post_id)) == 2021
        for when in outside:
            for post_id in (1, 999_999_999):
                assert not low < sort_key(when, post_id) <= high, when


def test_years_are_counted_from_the_keys():
    with override_settings(TIME_ZONE="Europe/London"):
        dates = [
            datetime(2019, 12, 31, 23, 59, 59, tzinfo=LONDON),
            datetime(2020, 1, 1, 0, 0, 0, tzinfo=LONDON),
            datetime(2020, 6, 1, tzinfo=LONDON),
            datetime(2023, 3, 1, tzinfo=LONDON),
        ]
        keys = [sort_key(when, i + 1) for i, when in enumerate(dates)]
        assert count_years(keys) == {2019: 1, 2020: 2, 2023: 1}
        assert count_years([]) == {}
