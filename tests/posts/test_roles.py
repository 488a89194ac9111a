"""Staff roles: the groups posts.roles defines, kept exact by every migrate, and the
user and group pages that offer them."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from posts import roles

pytestmark = pytest.mark.django_db

NEWSLETTER_MANAGERS = {
    "people.view_subscriber",
    "people.change_subscriber",
    "people.delete_subscriber",
    "people.export_subscriber",
    "people.view_suppressedaddress",
    "people.view_privacynotice",
    "people.change_privacynotice",
    # Composing and sending issues (people 0008).
    "people.view_newsletterissue",
    "people.add_newsletterissue",
    "people.change_newsletterissue",
    "people.delete_newsletterissue",
    "people.send_newsletterissue",
}


def held(group_name):
    group = Group.objects.get(name=group_name)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_a_migrated_database_has_each_group_with_exactly_its_permissions():
    for name, labels in roles.GROUP_PERMISSIONS.items():
        assert held(name) == set(labels), name
    assert held("Newsletter managers") == NEWSLETTER_MANAGERS  # as people 0003 and 0008 made it


def test_writers_cannot_publish_review_or_edit_others_and_editors_can():
    writers, editors = held(roles.WRITERS), held(roles.EDITORS)
    for power in ["posts.publish_post", "posts.review_post", "posts.change_any_post"]:
        assert power not in writers and power in editors
    assert "posts.delete_post" not in writers
    assert {"posts.add_post", "posts.change_post", "people.view_person"} <= writers
    assert {"people.change_person", "posts.change_topic"} <= editors


def test_every_migrate_puts_drifted_groups_back():
    """An existing database: groups edited by hand, or one deleted, are reset by migrate."""
    publish = Permission.objects.get(codename="publish_post")
    Group.objects.get(name=roles.WRITERS).permissions.add(publish)
    Group.objects.get(name=roles.EDITORS).permissions.remove(publish)
    Group.objects.filter(name=roles.WRITERS).delete()

    call_command("migrate", verbosity=0)

    for name, labels in roles.GROUP_PERMISSIONS.items():
        assert held(name) == set(labels), name
    assert held("Newsletter managers") == NEWSLETTER_MANAGERS


def test_the_data_migration_creates_the_groups_on_its_own():
    """What 0011 does on a fresh database, before post_migrate has made any permission."""
    migration = importlib.import_module("posts.migrations.0011_roles_and_review")
    Group.objects.filter(name__in=roles.GROUP_PERMISSIONS).delete()
    Permission.objects.filter(codename="publish_post").delete()

    migration.create_groups(apps, SimpleNamespace(connection=connection))

    for name, labels in roles.GROUP_PERMISSIONS.items():
        assert held(name) == set(labels), name
    migration.remove_groups(apps, SimpleNamespace(connection=connection))
    assert not Group.objects.filter(name__in=roles.GROUP_PERMISSIONS).exists()


def test_an_unknown_permission_in_the_roles_fails_loudly(monkeypatch):
    monkeypatch.setitem(roles.GROUP_PERMISSIONS, roles.WRITERS, ["posts.fly_post"])
    with pytest.raises(roles.UnknownPermission, match=r"posts\.fly_post"):
        roles.sync_groups()
    roles.sync_groups(missing_ok=True)  # as the migration runs it: skipped, not granted
    assert held(roles.WRITERS) == set()


# --- the user and group pages ------------------------------------------------------------

INTERNAL = [
    "search document",
    "search term",
    "session",
    "log entry",
    "content type",
    "access attempt",
    "task result",
    "demo content load",
    "content version",
    "review event",
    "interest",
    "Can add permission",
]


def permission_choices(response, field):
    form = response.context["adminform"].form
    return {str(choice.content_type) + ": " + choice.name for choice in form.fields[field].queryset}


@pytest.mark.parametrize(
    ("url_name", "field"),
    [("admin:auth_user_add", "user_permissions"), ("admin:auth_group_add", "permissions")],
)
def test_the_permission_picker_offers_no_internal_tables(staff_client, url_name, field):
    if url_name == "admin:auth_user_add":
        # The user's add page has no permissions field; its change page does.
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user("someone")
        response = staff_client.get(reverse("admin:auth_user_change", args=[user.pk]))
    else:
        response = staff_client.get(reverse(url_name))
    choices = permission_choices(response, field)
    page = response.content.decode()
    assert "Can publish, schedule and unpublish posts" in page
    assert any("Can change person" in c for c in choices)
    for internal in INTERNAL:
        leaked = [c for c in choices if internal.lower() in c.lower()]
        assert not leaked, leaked
    assert len(choices) < Permission.objects.count()


def test_the_user_page_offers_groups_by_name_with_what_they_do(staff_client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("newstarter", is_staff=True)
    page = staff_client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert 'type="checkbox" name="groups"' in page
    assert "Writers: write posts and edit their own drafts" in page
    assert "Editors: review, publish" in page


def user_change_data(user, **overrides):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "09:00:00",
        "groups": [],
        "user_permissions": [],
    }
    data.update(overrides)
    return data


def test_a_posted_internal_permission_is_refused_on_the_server(staff_client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("target", is_staff=True)
    internal = Permission.objects.get(codename="delete_session")
    url = reverse("admin:auth_user_change", args=[user.pk])
    response = staff_client.post(url, user_change_data(user, user_permissions=[internal.pk]))
    assert response.status_code == 200
    assert "user_permissions" in response.context["adminform"].form.errors
    assert not user.user_permissions.exists()


def test_internal_permissions_already_held_are_kept_on_save(staff_client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("veteran", is_staff=True)
    internal = Permission.objects.get(codename="view_accessattempt")
    user.user_permissions.add(internal)
    writers = Group.objects.get(name=roles.WRITERS)
    change_person = Permission.objects.get(codename="change_person")
    url = reverse("admin:auth_user_change", args=[user.pk])
    response = staff_client.post(
        url, user_change_data(user, groups=[writers.pk], user_permissions=[change_person.pk])
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert set(user.user_permissions.all()) == {internal, change_person}
    assert list(user.groups.all()) == [writers]


def test_writers_see_the_link_check_and_only_editors_start_one():
    """posts.linkcheck: the report and each post's broken links are for every writer;
    queueing a check of every link now is the editors'."""
    writers, editors = held(roles.WRITERS), held(roles.EDITORS)
    assert "linkcheck.view_link" in writers and "linkcheck.view_link" in editors
    assert "linkcheck.check_links" in editors and "linkcheck.check_links" not in writers
