"""The subscriber list as CSV, in the columns Mailchimp and similar services import."""

import csv

from people.topics import topic_names

HEADER = [
    "Email Address",
    "Name",
    "Status",
    "Topics",
    "Consent Time (UTC)",
    "Consent Wording Version",
    "Confirmed Time (UTC)",
    "Source Page",
]
# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _time(value):
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def write_csv(subscribers, out):
    """Write `subscribers` (a queryset) to the file-like `out`, in a constant number of queries."""
    names = topic_names()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for subscriber in subscribers.prefetch_related("interests").order_by("email"):
        topics = ", ".join(
            names.get(interest.topic_slug, interest.topic_slug)
            for interest in subscriber.interests.all()
        )
        writer.writerow(
            _cell(value)
            for value in [
                subscriber.email,
                subscriber.name,
                subscriber.status,
                topics,
                _time(subscriber.consented_at),
                subscriber.consent_version,
                _time(subscriber.confirmed_at),
                subscriber.source_page,
            ]
        )
