"""Staff side of the newsletter: who sees subscribers, CSV export, erasure."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from people import services
from people.addresses import address_hash
from people.models import Subscriber, SuppressedAddress
from tests.factories import make_topic
from tests.people.helpers import last_email_to, link_in, sign_up

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:people_subscriber_changelist"


@pytest.fixture
def manager(client, django_user_model):
    user = django_user_model.objects.create_user("nia", "nia@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Newsletter managers"))
    client.force_login(user)
    return client


@pytest.fixture
def editor(client, django_user_model):
    """A staff member who can do everything with posts, but is not a newsletter manager."""
    user = django_user_model.objects.create_user("ed", "ed@example.org", "pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="posts"))
    client.force_login(user)
    return client


def subscribe(client, address, **fields):
    sign_up(client, address, **fields)
    client.post(link_in(last_email_to(address), "confirm"))
    return Subscriber.objects.get(email=address)


def run_action(client, action, subscribers):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [s.pk for s in subscribers]},
    )


def test_the_managers_group_has_the_newsletter_permissions():
    perms = set(
        Group.objects.get(name="Newsletter managers").permissions.values_list("codename", flat=True)
    )
    assert {
        "view_subscriber",
        "change_subscriber",
        "delete_subscriber",
        "export_subscriber",
    } <= perms
    assert "add_subscriber" not in perms


def test_staff_who_are_not_managers_cannot_see_subscribers(editor, client):
    subscribe(client, "secret@example.org")
    index = editor.get(reverse("admin:index"))
    assert index.status_code == 200
    assert b"Subscribers" not in index.content
    assert editor.get(reverse(CHANGELIST)).status_code == 403
    pk = Subscriber.objects.get().pk
    assert editor.get(reverse("admin:people_subscriber_change", args=[pk])).status_code == 403


def test_managers_see_filter_and_search_subscribers(manager, client):
    make_topic("Housing")
    subscribe(client, "one@example.org", topics=["housing"])
    sign_up(client, "two@example.org")
    assert b"Subscribers" in manager.get(reverse("admin:index")).content

    page = manager.get(reverse(CHANGELIST)).content.decode()
    assert "one@example.org" in page and "two@example.org" in page
    filtered = manager.get(reverse(CHANGELIST), {"topic": "housing"}).content.decode()
    assert "one@example.org" in filtered and "two@example.org" not in filtered
    pending = manager.get(reverse(CHANGELIST), {"status__exact": "pending"}).content.decode()
    assert "two@example.org" in pending and "one@example.org" not in pending
    found = manager.get(reverse(CHANGELIST), {"q": "two@"}).content.decode()
    assert "two@example.org" in found and "one@example.org" not in found


def test_csv_export_is_ready_for_mailchimp(manager, client):
    make_topic("Housing")
    make_topic("Systems change")
    one = subscribe(
        client, "one@example.org", name="=HYPERLINK(1)", topics=["housing", "systems-change"]
    )
    sign_up(client, "two@example.org")
    two = Subscriber.objects.get(email="two@example.org")

    response = run_action(manager, "export_csv", [one, two])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Email Address",
        "Name",
        "Status",
        "Topics",
        "Consent Time (UTC)",
        "Consent Wording Version",
        "Confirmed Time (UTC)",
        "Source Page",
    ]
    assert rows[1][:4] == ["one@example.org", "'=HYPERLINK(1)", "active", "Housing, Systems change"]
    assert rows[1][4] == one.consented_at.strftime("%Y-%m-%d %H:%M:%S")
    assert rows[1][5] == "1"
    assert rows[2][:3] == ["two@example.org", "", "pending"]
    assert len(rows) == 3


def test_export_and_erase_need_their_permissions(client, django_user_model):
    subscriber = subscribe(client, "pat@example.org")
    viewer = django_user_model.objects.create_user("vi", "vi@example.org", "pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_subscriber"))
    client.force_login(viewer)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "pat@example.org" in page
    assert "export_csv" not in page and "erase" not in page
    response = run_action(client, "export_csv", [subscriber])
    assert not response.get("Content-Type", "").startswith("text/csv")
    run_action(client, "erase", [subscriber])
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_erasure_keeps_only_a_hash_that_stops_silent_re_adding(manager, client):
    subscriber = subscribe(client, "Quinn@example.org", name="Quinn")
    response = run_action(manager, "erase", [subscriber])
    assert response.status_code == 302
    assert not Subscriber.objects.exists()
    [entry] = SuppressedAddress.objects.all()
    assert entry.email_hash == address_hash("quinn@example.org")
    assert "quinn" not in entry.email_hash.lower() and len(entry.email_hash) == 64
    assert services.is_suppressed("QUINN@example.org")

    # Signing up again is a fresh, explicit consent: welcome back once confirmed.
    mail.outbox.clear()
    sign_up(client, "quinn@example.org")
    assert services.is_suppressed("quinn@example.org")
    client.post(link_in(last_email_to("quinn@example.org"), "confirm"))
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE
    assert not services.is_suppressed("quinn@example.org")


def test_deleting_from_the_change_page_erases_too(manager, client):
    subscriber = subscribe(client, "rae@example.org")
    manager.post(reverse("admin:people_subscriber_delete", args=[subscriber.pk]), {"post": "yes"})
    assert not Subscriber.objects.exists()
    assert services.is_suppressed("rae@example.org")


def test_staff_cannot_add_subscribers_by_hand(manager):
    assert manager.get(reverse("admin:people_subscriber_add")).status_code == 403


def test_export_and_erase_ask_again_for_each_subscriber(client, rf, django_user_model):
    """Permissions that depend on the row: the actions leave out the rows they refuse."""
    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    from people.admin import SubscriberAdmin

    kept = subscribe(client, "kept@example.org")
    other = subscribe(client, "other@example.org")

    class OnlyKept(SubscriberAdmin):
        def has_view_permission(self, request, obj=None):
            return obj is None or obj == kept

        has_change_permission = has_delete_permission = has_view_permission

    request = rf.post("/")
    request.user = django_user_model.objects.create_superuser("root", "r@example.org", "pw")
    request.session = {}
    request._messages = FallbackStorage(request)
    model_admin = OnlyKept(Subscriber, admin.site)
    both = Subscriber.objects.filter(pk__in=[kept.pk, other.pk])

    rows = list(csv.reader(io.StringIO(model_admin.export_csv(request, both).content.decode())))
    assert [row[0] for row in rows[1:]] == ["kept@example.org"]

    model_admin.erase(request, both)
    assert list(Subscriber.objects.all()) == [other]
    assert services.is_suppressed("kept@example.org")
    assert not services.is_suppressed("other@example.org")
