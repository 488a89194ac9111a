"""The link check in the admin: the report, the button that queues a check, and each
post's broken links, for exactly the staff the roles give them to."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from flse_hub.site.models import Page
from posts import roles
from posts.linkcheck import services
from posts.linkcheck.models import CheckRun, Link
from tests.factories import make_post
from tests.people.helpers import run_worker

pytestmark = pytest.mark.django_db

REPORT = "admin:linkcheck_link_changelist"
CHECK = "admin:linkcheck_link_check"


def staff(django_user_model, username, *, group=None, perms=()):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    for label in perms:
        app_label, codename = label.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def checked(checker_settings, link_site):
    """A post with a broken and a working link, a past deadline, after a real check."""
    token = link_site.token()
    Page.objects.all().delete()  # the migration's privacy notice links to real sites
    post = make_post(
        "Broken <b>things</b>",
        body=(
            f'<p><a href="{link_site.url(f"/missing/{token}")}">Old &lt;report&gt;</a> and '
            f'<a href="{link_site.url(f"/ok/{token}")}">the toolkit</a>. '
            "Apply by 1st June 2022.</p>"
        ),
    )
    fine = make_post("All fine", body=f'<p><a href="{link_site.url(f"/ok/{token}")}">ok</a></p>')
    run, _ = services_run(checker_settings)
    return {"post": post, "fine": fine, "token": token, "run": run}


def services_run(settings):
    from posts.linkcheck import tasks

    run, queued = tasks.queue_check(CheckRun.Trigger.COMMAND, enqueue=False)
    services.run_check(run.pk)
    return run, queued


def test_writers_and_editors_hold_the_new_permissions():
    assert "linkcheck.view_link" in roles.GROUP_PERMISSIONS[roles.WRITERS]
    assert "linkcheck.check_links" not in roles.GROUP_PERMISSIONS[roles.WRITERS]
    assert {"linkcheck.view_link", "linkcheck.check_links"} <= set(
        roles.GROUP_PERMISSIONS[roles.EDITORS]
    )


def test_the_report_lists_broken_links_where_used_and_the_wording(
    client, django_user_model, checked
):
    client.force_login(staff(django_user_model, "wren", group=roles.WRITERS))
    response = client.get(reverse(REPORT))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/missing/{checked['token']}" in html
    assert "HTTP 404" in html
    change_url = reverse("admin:posts_post_change", args=[checked["post"].pk])
    assert f'<a href="{change_url}">Broken &lt;b&gt;things&lt;/b&gt;</a>' in html
    assert "Deadline in the past" in html and "Apply by 1st June 2022" in html
    assert "Broken links</h2>" not in html  # the heading carries its count
    assert "Broken links (1)" in html
    # Writers may look, not start a check.
    assert reverse(CHECK) not in html


def test_the_report_is_refused_without_view_permission(client, django_user_model, checked):
    client.force_login(staff(django_user_model, "nobody"))
    assert client.get(reverse(REPORT)).status_code == 403


def test_editors_queue_a_check_with_a_post_and_the_worker_runs_it(
    client, django_user_model, checker_settings, link_site
):
    token = link_site.token()
    Page.objects.all().delete()
    make_post("One link", body=f'<p><a href="{link_site.url(f"/gone/{token}")}">x</a></p>')
    client.force_login(staff(django_user_model, "eddie", group=roles.EDITORS))
    page = client.get(reverse(REPORT)).content.decode()
    assert f'action="{reverse(CHECK)}"' in page and "csrfmiddlewaretoken" in page

    response = client.post(reverse(CHECK))

    assert response.status_code == 302 and response["Location"] == reverse(REPORT)
    run = CheckRun.objects.get()
    assert (run.state, run.trigger, run.requested_by.username) == ("queued", "staff", "eddie")
    assert link_site.recorded.seen(f"/gone/{token}") == []  # nothing fetched in the request
    run_worker()
    run.refresh_from_db()
    assert run.state == CheckRun.State.DONE
    assert Link.objects.get(target__endswith=f"/gone/{token}").status == Link.Status.BROKEN
    # Asking again while nothing is running queues a new one; twice in a row does not.
    client.post(reverse(CHECK))
    client.post(reverse(CHECK))
    assert CheckRun.objects.filter(state=CheckRun.State.QUEUED).count() == 1


def test_the_trigger_needs_the_permission_a_post_and_the_csrf_token(
    client, django_user_model, checked
):
    client.force_login(staff(django_user_model, "wren", group=roles.WRITERS))
    assert client.post(reverse(CHECK)).status_code == 403
    client.force_login(staff(django_user_model, "eddie", group=roles.EDITORS))
    assert client.get(reverse(CHECK)).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff(django_user_model, "edna", group=roles.EDITORS))
    assert strict.post(reverse(CHECK)).status_code == 403
    assert CheckRun.objects.exclude(pk=checked["run"].pk).count() == 0


def test_the_post_page_shows_its_broken_links_and_wording(client, django_user_model, checked):
    client.force_login(staff(django_user_model, "eddie", group=roles.EDITORS))
    html = client.get(
        reverse("admin:posts_post_change", args=[checked["post"].pk])
    ).content.decode()
    assert "Links and wording" in html
    start = html.index('class="linkcheck-panel"')
    html = html[start : html.index("</div>", start)]
    assert f"/missing/{checked['token']}" in html
    assert "“Old &lt;report&gt;”" in html
    assert f"/ok/{checked['token']}" not in html  # working links are not listed
    assert "Deadline in the past (1 Jun 2022)" in html
    fine = client.get(reverse("admin:posts_post_change", args=[checked["fine"].pk])).content
    assert b"Its 1 link works, or has not been checked yet." in fine


def test_the_post_list_counts_and_filters_broken_links(client, django_user_model, checked):
    client.force_login(staff(django_user_model, "eddie", group=roles.EDITORS))
    changelist = reverse("admin:posts_post_changelist")
    html = client.get(changelist).content.decode()
    assert "column-broken_links" in html
    broken = client.get(changelist, {"links": "broken"}).context["cl"].result_list
    assert [post.title for post in broken] == ["Broken <b>things</b>"]
    wording = client.get(changelist, {"links": "wording"}).context["cl"].result_list
    assert [post.title for post in wording] == ["Broken <b>things</b>"]


def test_staff_without_the_link_permission_see_no_link_column_or_panel(
    client, django_user_model, checked
):
    user = staff(django_user_model, "viewer", perms=["posts.view_post"])
    client.force_login(user)
    html = client.get(reverse("admin:posts_post_changelist")).content.decode()
    assert "column-broken_links" not in html
    page = client.get(reverse("admin:posts_post_change", args=[checked["post"].pk]))
    assert page.status_code == 200
    assert b"Links and wording" not in page.content
