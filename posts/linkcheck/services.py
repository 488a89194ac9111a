"""Collecting every link and checking them: the work of the task and the command."""

import itertools
from collections import OrderedDict
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from posts.linkcheck import extract
from posts.linkcheck.checker import Checker
from posts.linkcheck.models import CheckRun, Link, LinkUse, TextIssue


def _truncate(text, length):
    return text if len(text) <= length else text[: length - 1] + "…"


def _read_item(item, today):
    """(uses as (kind, target, place, text), issues) of one source item."""
    uses, issues = [], []
    for place, html in item.get("html", ()):
        blocks, links = extract.read_html(html)
        uses += [
            (Link.Kind.URL, link.url, place, link.text)
            for link in links
            if extract.is_external(link.url)
        ]
        text = " ".join(block.text for block in blocks)
        uses += [(Link.Kind.DOI, doi, place, "") for doi in extract.dois_in_text(text)]
        issues += extract.dangling_link_text(blocks)
        issues += extract.past_deadlines([block.text for block in blocks], today)
    for place, text in item.get("text", ()):
        uses += [(Link.Kind.URL, url, place, "") for url in extract.urls_in_text(text)]
        uses += [(Link.Kind.DOI, doi, place, "") for doi in extract.dois_in_text(text)]
        issues += extract.past_deadlines([text], today)
    uses += [(Link.Kind.URL, url, place, text) for place, url, text in item.get("urls", ()) if url]
    uses += [(Link.Kind.DOI, doi, place, "") for place, doi in item.get("dois", ()) if doi]
    return uses, issues


def collect(today=None):
    """Read every source and replace the record of which links are used where, and the
    text issues; links nothing uses any more are forgotten. No network. Returns
    (links, uses, issues) counted."""
    today = today or timezone.localdate()
    found_uses, found_issues = [], []
    for path in settings.LINKCHECK_SOURCES:
        for item in import_string(path)():
            content_type = ContentType.objects.get_for_model(item["model"])
            label = _truncate(item["label"] or str(item["pk"]), 300)
            uses, issues = _read_item(item, today)
            seen = set()
            for kind, target, place, text in uses:
                target = target.strip()
                if not target or len(target) > 2000 or (kind, target, place) in seen:
                    continue
                seen.add((kind, target, place))
                found_uses.append((kind, target, content_type, item["pk"], label, place, text))
            found_issues += [
                TextIssue(
                    content_type=content_type,
                    object_id=item["pk"],
                    object_label=label,
                    kind=issue.kind,
                    excerpt=_truncate(issue.excerpt, 300),
                    date=issue.date,
                )
                for issue in issues
            ]
    with transaction.atomic():
        wanted = {Link.key_for(kind, target): (kind, target) for kind, target, *_ in found_uses}
        known = dict(Link.objects.values_list("key", "pk"))
        Link.objects.bulk_create(
            [
                Link(kind=kind, target=target, key=key)
                for key, (kind, target) in wanted.items()
                if key not in known
            ],
            batch_size=500,
            # A check running beside this one may have added the same link.
            ignore_conflicts=True,
        )
        known = dict(Link.objects.values_list("key", "pk"))
        LinkUse.objects.all().delete()
        LinkUse.objects.bulk_create(
            [
                LinkUse(
                    link_id=known[Link.key_for(kind, target)],
                    content_type=content_type,
                    object_id=pk,
                    object_label=label,
                    place=_truncate(place, 200),
                    text=_truncate(text, 300),
                )
                for kind, target, content_type, pk, label, place, text in found_uses
            ],
            batch_size=500,
        )
        Link.objects.filter(uses__isnull=True).delete()
        TextIssue.objects.all().delete()
        TextIssue.objects.bulk_create(found_issues, batch_size=500)
    return len(wanted), len(found_uses), len(found_issues)


def make_checker():
    return Checker(
        user_agent=settings.LINKCHECK_USER_AGENT,
        timeout=settings.LINKCHECK_TIMEOUT,
        retries=settings.LINKCHECK_RETRIES,
        backoff=settings.LINKCHECK_BACKOFF,
        host_interval=settings.LINKCHECK_HOST_INTERVAL,
        max_redirects=settings.LINKCHECK_MAX_REDIRECTS,
        max_bytes=settings.LINKCHECK_MAX_BYTES,
        allow_private=settings.LINKCHECK_ALLOW_PRIVATE_NETWORKS,
        max_seconds=settings.LINKCHECK_MAX_SECONDS_PER_LINK,
    )


def _host(link):
    try:
        return urlsplit(link.address).hostname or ""
    except ValueError:
        return ""


def interleave_hosts(links):
    """Links in turns across hosts (a, b, c, a, b, …), so one host's pause between
    requests is spent on the others'."""
    by_host = OrderedDict()
    for link in links:
        by_host.setdefault(_host(link), []).append(link)
    for turn in itertools.zip_longest(*by_host.values()):
        yield from (link for link in turn if link is not None)


def record(link, result, now):
    was_broken = link.status == Link.Status.BROKEN
    link.status = result.status
    link.status_code = result.status_code
    link.final_url = _truncate(result.final_url, 2000)
    link.redirects = result.redirects[:20]
    link.error = result.error
    if link.kind == Link.Kind.DOI and result.status_code == 404:
        link.error = "The DOI is not registered (the resolver answered 404)"
    link.attempts = result.attempts
    link.last_checked_at = now
    if link.status == Link.Status.BROKEN:
        link.broken_since = link.broken_since if was_broken else now
    else:
        link.broken_since = None
    link.save(
        update_fields=[
            "status", "status_code", "final_url", "redirects", "error", "attempts",
            "last_checked_at", "broken_since",
        ]
    )  # fmt: skip


def claim(run_pk):
    """Take a queued run for this worker; False if another worker has it (or had it)."""
    now = timezone.now()
    return bool(
        CheckRun.objects.filter(pk=run_pk, state=CheckRun.State.QUEUED).update(
            state=CheckRun.State.RUNNING, started_at=now, heartbeat_at=now
        )
    )


def run_check(run_pk, *, checker=None):
    """Collect, then check every link, recording each as it goes. Returns a summary."""
    if not claim(run_pk):
        return {"skipped": "not queued (already taken by another worker)"}
    collect()
    checker = checker or make_checker()
    checked = 0
    for link in interleave_hosts(list(Link.objects.order_by("pk"))):
        result = checker.check(link.address, follow_redirects=link.kind != Link.Kind.DOI)
        now = timezone.now()
        record(link, result, now)
        checked += 1
        CheckRun.objects.filter(pk=run_pk).update(heartbeat_at=now, links_checked=checked)
    broken = Link.objects.filter(status=Link.Status.BROKEN).count()
    CheckRun.objects.filter(pk=run_pk).update(
        state=CheckRun.State.DONE, finished_at=timezone.now(), broken_found=broken
    )
    return {"links checked": checked, "broken": broken}
