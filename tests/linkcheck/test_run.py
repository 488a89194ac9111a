"""The whole check: collected from posts, resources, pages and people, queued by the
schedule or the command, run by the worker, against the local server."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from flse_hub.site.models import Page
from people.management.commands.run_worker import recover_due_work
from posts.linkcheck import services, tasks
from posts.linkcheck.models import CheckRun, Link, LinkUse
from posts.models import Resource
from tests.factories import make_person, make_post
from tests.people.helpers import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(link_site):
    token = link_site.token()
    # Pages a migration made (the privacy notice) link to real sites.
    Page.objects.all().delete()
    post = make_post(
        "Links everywhere",
        body=(
            f'<p>See <a href="{link_site.url(f"/ok/{token}")}">the toolkit</a> and '
            f'<a href="{link_site.url(f"/missing/{token}")}">the old report</a>; '
            f'mail <a href="mailto:someone@example.org">us</a>; '
            f'<a href="/posts/">our posts</a>. Cited as DOI 10.1234/cited.{token}.</p>'
        ),
        doi=f"10.9999/unregistered.{token}",
    )
    Resource.objects.create(post=post, title="Moved report", url=link_site.url(f"/chain/2/{token}"))
    Resource.objects.create(post=post, title="An article", doi=f"10.1234/article.{token}")
    page = Page.objects.create(
        title="About",
        slug="about-us",
        body=f'<p>Our <a href="{link_site.url(f"/gone/{token}")}">old partner</a>.</p>',
    )
    person = make_person("Rae Writer", bio=f"Writes at {link_site.url(f'/ok/{token}/rae')}.")
    return {"token": token, "post": post, "page": page, "person": person}


def by_target(link_site, token):
    return {
        link.target.replace(link_site.base, "").replace(token, "T"): link
        for link in Link.objects.all()
    }


def test_collect_finds_every_external_link_and_doi_and_where_it_is_used(content, link_site):
    links, uses, _issues = services.collect()
    found = {
        (link.kind, link.target.replace(link_site.base, "").replace(content["token"], "T"))
        for link in Link.objects.all()
    }
    assert found == {
        ("url", "/ok/T"),
        ("url", "/missing/T"),
        ("doi", "10.1234/cited.T"),
        ("doi", "10.9999/unregistered.T"),
        ("url", "/chain/2/T"),
        ("doi", "10.1234/article.T"),
        ("url", "/gone/T"),
        ("url", "/ok/T/rae"),
    }
    assert (links, uses) == (8, 8)
    places = {
        (use.object_label, use.place, use.text)
        for use in LinkUse.objects.filter(link__target__endswith=f"/missing/{content['token']}")
    }
    assert places == {("Links everywhere", "body", "the old report")}
    assert LinkUse.objects.get(link__target__endswith="/chain/2/" + content["token"]).place == (
        "resource “Moved report”"
    )
    assert LinkUse.objects.get(link__target__endswith="/rae").object_label == "Rae Writer"


def test_a_link_removed_from_the_content_is_forgotten(content, link_site):
    services.collect()
    page = content["page"]
    page.body = "<p>No links now.</p>"
    page.save()
    services.collect()
    assert not Link.objects.filter(target__contains="/gone/").exists()


def test_the_worker_checks_everything_a_queued_run_finds(checker_settings, content, link_site):
    run, queued = tasks.queue_check(CheckRun.Trigger.SCHEDULE)
    assert queued
    run_worker()

    run.refresh_from_db()
    assert run.state == CheckRun.State.DONE
    assert (run.links_checked, run.broken_found) == (8, 3)
    links = by_target(link_site, content["token"])
    assert links["/ok/T"].status == Link.Status.OK
    assert (links["/missing/T"].status, links["/missing/T"].status_code) == ("broken", 404)
    assert (links["/gone/T"].status, links["/gone/T"].status_code) == ("broken", 410)
    moved = links["/chain/2/T"]
    assert (moved.status, moved.final_url) == ("ok", link_site.url("/ok"))
    assert len(moved.redirects) == 3
    assert links["10.1234/article.T"].status == Link.Status.OK
    unregistered = links["10.9999/unregistered.T"]
    assert unregistered.status == Link.Status.BROKEN
    assert unregistered.error == "The DOI is not registered (the resolver answered 404)"
    assert all(link.last_checked_at for link in links.values())
    assert links["/missing/T"].broken_since == links["/missing/T"].last_checked_at


def test_one_check_at_a_time(checker_settings, content):
    first, queued = tasks.queue_check(CheckRun.Trigger.STAFF)
    again, queued_again = tasks.queue_check(CheckRun.Trigger.STAFF)
    assert queued and not queued_again and again == first


def test_a_second_task_for_the_same_run_does_nothing(checker_settings, content, link_site):
    run, _ = tasks.queue_check(CheckRun.Trigger.STAFF)
    tasks.check_links.enqueue(run.pk)  # e.g. queued again by a worker's start-up sweep
    run_worker()
    token = content["token"]
    assert len(link_site.recorded.seen(f"/ok/{token}")) == 1


def test_the_schedule_queues_a_check_when_the_last_is_old_enough(checker_settings, content):
    checker_settings.LINKCHECK_EVERY_DAYS = 7
    assert recover_due_work("w1").get("link checks") == 1  # never checked
    run = CheckRun.objects.get()
    assert run.trigger == CheckRun.Trigger.SCHEDULE
    run_worker()
    assert recover_due_work("w1").get("link checks") is None  # checked just now
    CheckRun.objects.update(finished_at=timezone.now() - timedelta(days=8))
    assert recover_due_work("w1").get("link checks") == 1


def test_no_schedule_when_switched_off(settings, content):
    settings.LINKCHECK_EVERY_DAYS = 0
    assert recover_due_work("w1").get("link checks") is None


def test_a_check_killed_with_its_worker_is_run_again(checker_settings, content, link_site):
    checker_settings.LINKCHECK_EVERY_DAYS = 0
    stale = timezone.now() - timedelta(hours=1)
    dead = CheckRun.objects.create(
        trigger=CheckRun.Trigger.STAFF, state=CheckRun.State.RUNNING, heartbeat_at=stale
    )
    assert recover_due_work("w1").get("link checks") == 1
    dead.refresh_from_db()
    assert dead.state == CheckRun.State.INTERRUPTED
    run_worker()
    assert CheckRun.objects.exclude(pk=dead.pk).get().state == CheckRun.State.DONE


def test_the_command_checks_here_and_now(checker_settings, content):
    out = StringIO()
    call_command("check_links", stdout=out)
    assert out.getvalue() == ("Checked 8 links: 3 broken, 0 refused the checker; 0 text issues.\n")
    assert CheckRun.objects.get().trigger == CheckRun.Trigger.COMMAND


def test_the_command_can_queue_for_the_worker_or_only_read(checker_settings, content):
    out = StringIO()
    call_command("check_links", "--no-fetch", stdout=out)
    assert out.getvalue() == "8 links in 8 places; 0 text issues.\n"
    assert set(Link.objects.values_list("status", flat=True)) == {Link.Status.UNCHECKED}
    call_command("check_links", "--enqueue", stdout=out)
    assert "Queued for the worker." in out.getvalue()
    run_worker()
    assert CheckRun.objects.get().state == CheckRun.State.DONE


def test_in_production_settings_the_local_links_are_not_fetched(settings, content, link_site):
    settings.LINKCHECK_ALLOW_PRIVATE_NETWORKS = False
    settings.LINKCHECK_DOI_RESOLVER = link_site.url("/doi/")
    call_command("check_links", stdout=StringIO())
    assert set(Link.objects.values_list("status", flat=True)) == {Link.Status.SKIPPED}
    assert not [r for r in link_site.recorded.requests if content["token"] in r[2]]
