"""Staff see and do in the admin only what their permissions allow.

Every admin action on the site is enumerated from the registry (Django's own, the apps',
django-axes'), so an action added later is tried here without anyone writing a test
for it: it must declare its permissions, staff who lack them must get no effect, and
staff who have them must.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import ActionLocation
from django.contrib.admin.sites import all_sites
from django.contrib.auth import get_permission_codename, get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core import checks
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from flse_hub.site.models import Page
from people import consent
from people.addresses import address_hash
from people.models import Person, Subscriber, SuppressedAddress
from posts.models import Credit, Post, Resource
from tests.factories import make_person, make_post, make_topic

# --- what there is to try -----------------------------------------------------------


def registered_actions():
    """(model admin, action name, location) for every action the site can offer.

    Built as Django builds a model admin's actions before any permission filter: the
    site-wide actions (delete_selected) plus the model admin's own, at each location.
    """
    found = []
    for model_admin in admin.site._registry.values():
        if model_admin.actions is None:  # actions switched off for this model
            continue
        names = [name for name, _ in admin.site.actions] + list(model_admin.actions)
        for location in ActionLocation:
            seen = set()
            for name in names:
                action = model_admin.get_action(name, location)
                if action and action.name not in seen:
                    seen.add(action.name)
                    found.append((model_admin, action.name, location))
    return found


ACTIONS = registered_actions()


def action_id(value):
    if isinstance(value, admin.ModelAdmin):
        return value.opts.label_lower
    if isinstance(value, ActionLocation):
        return value.name.lower()
    return value


def parametrize_actions(actions):
    return pytest.mark.parametrize(("model_admin", "name", "location"), actions, ids=action_id)


def declared_permissions(model_admin, name, location):
    return getattr(model_admin.get_action(name, location).func, "allowed_permissions", None)


def required_codenames(model_admin, name, location):
    """The model's permission codenames an action declares (any one of them suffices)."""
    return {
        get_permission_codename(perm, model_admin.opts)
        for perm in declared_permissions(model_admin, name, location) or ()
    }


# Staff who lack an action's permissions, from the least to the most privileged.
WITHOUT_PERMISSION = {
    # Sees the model in the admin, may do nothing to it.
    "view-only": lambda model_perms, required: model_perms.filter(codename__startswith="view_"),
    # Every permission the model has except those the action asks for.
    "all-but-required": lambda model_perms, required: model_perms.exclude(codename__in=required),
    # Every permission in the project except this model's.
    "none-for-model": lambda model_perms, required: Permission.objects.exclude(
        pk__in=model_perms.values("pk")
    ),
}


def staff_user(username, permissions):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", is_staff=True)
    user.user_permissions.set(permissions)
    return user


def model_permissions(model):
    return Permission.objects.filter(content_type=ContentType.objects.get_for_model(model))


# --- rows to act on: one builder per registered model --------------------------------

LONG_AGO = timedelta(days=30)


def _access(model, **fields):
    row = model.objects.create(
        username="intruder",
        ip_address="192.0.2.7",
        user_agent="probe",
        http_accept="*/*",
        path_info="/admin/login/",
        **fields,
    )
    # attempt_time is auto_now_add; expired rows are what the clean-up action removes.
    model.objects.filter(pk=row.pk).update(attempt_time=timezone.now() - LONG_AGO)
    return [row]


def _subscriber():
    return [
        Subscriber.objects.create(
            email="reader@example.org",
            name="Reader",
            status=Subscriber.Status.ACTIVE,
            consented_at=timezone.now(),
            consent_version=consent.CURRENT_VERSION,
            source_page="/posts/",
        )
    ]


def _queued_task():
    from django_tasks_db.models import DBTaskResult

    from posts.tasks import reindex_pending_posts

    result = reindex_pending_posts.enqueue()
    return [DBTaskResult.objects.get(pk=result.id)]


def _builders(owner):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    user_model = get_user_model()
    return {
        user_model: lambda: [user_model.objects.create_user("target", "target@example.org")],
        Group: lambda: [Group.objects.create(name="Target group")],
        AccessAttempt: lambda: _access(
            AccessAttempt, get_data="", post_data="", failures_since_start=5
        ),
        AccessLog: lambda: _access(AccessLog),
        AccessFailureLog: lambda: _access(AccessFailureLog, locked_out=True),
        # A draft to publish or submit and a published post to return to draft; both the
        # signed-in user's, as writers may act only on their own drafts.
        Post: lambda: [
            make_post("A draft", published=False, created_by=owner),
            make_post("A published post", created_by=owner),
        ],
        apps.get_model("posts", "Topic"): lambda: [make_topic()],
        Person: lambda: [make_person()],
        Subscriber: _subscriber,
        SuppressedAddress: lambda: [
            SuppressedAddress.objects.create(email_hash=address_hash("gone@example.org"))
        ],
        Page: lambda: [
            Page.objects.update_or_create(
                slug="privacy", defaults={"title": "Privacy", "body": "<p>We keep little.</p>"}
            )[0]
        ],
        apps.get_model("site", "Redirect"): lambda: [
            apps.get_model("site", "Redirect").objects.create(old_path="/old/", target="/posts/")
        ],
        # Library records naming a stored file (none is written: only rows are compared).
        apps.get_model("media", "Image"): lambda: [
            apps.get_model("media", "Image").objects.create(
                title="Target", file="images/target.png", alt="A target", width=1, height=1
            )
        ],
        apps.get_model("media", "Document"): lambda: [
            apps.get_model("media", "Document").objects.create(
                title="Target", file="documents/target.pdf", file_type="pdf", size=1
            )
        ],
        # The background worker's queue (django-tasks-db): a real queued task.
        apps.get_model("django_tasks_database", "DBTaskResult"): _queued_task,
        # A draft newsletter issue (people.sending): the only kind that may be deleted.
        apps.get_model("people", "NewsletterIssue"): lambda: [
            apps.get_model("people", "NewsletterIssue").objects.create(
                subject="Draft issue", slug="draft-issue"
            )
        ],
    }


def build_rows(model, owner=None):
    builders = _builders(owner)
    assert model in builders, (
        f"{model._meta.label} is registered in the admin: add a builder for it here so its "
        "actions are tried."
    )
    return builders[model]()


def database_state():
    """Every row of every table the admin could touch (sessions aside), for before/after."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model is not Session
    }


def post_action(client, model_admin, name, location, rows):
    """Submit the action form as the admin page does, confirmation included."""
    opts = model_admin.opts
    pks = [row.pk for row in rows]
    if location is ActionLocation.CHANGE_LIST:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        data = {"action": name, "index": "0", "_selected_action": pks, "post": "yes"}
    else:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pks[0]])
        data = {f"{location.value}-action": name, "_selected_action": pks[:1], "post": "yes"}
    return url, client.post(url, data)


def is_download(response):
    return "attachment" in response.get("Content-Disposition", "")


# --- the sweep ------------------------------------------------------------------------


def test_the_sweep_covers_every_models_actions():
    """The enumeration sees the actions this issue is about, and nothing hides from it."""
    names = {(model_admin.opts.label_lower, name) for model_admin, name, _ in ACTIONS}
    assert {
        ("posts.post", "publish_now"),
        ("posts.post", "make_draft"),
        ("posts.post", "delete_selected"),
        ("people.subscriber", "export_csv"),
        ("people.subscriber", "erase"),
        ("axes.accessattempt", "cleanup_expired_attempts"),
        ("auth.user", "delete_selected"),
    } <= names
    # Whatever a superuser is offered (get_actions may be overridden) is in the sweep.
    request = superuser_request()
    for model_admin in admin.site._registry.values():
        for location in ActionLocation:
            offered = model_admin.get_actions(request, action_location=location)
            for name in offered:
                assert (model_admin.opts.label_lower, name) in names


@parametrize_actions(ACTIONS)
def test_every_admin_action_declares_its_permissions(model_admin, name, location):
    permissions = declared_permissions(model_admin, name, location)
    assert permissions, (
        f"{model_admin.opts.label}: the action {name!r} declares no permissions; "
        "decorate it with @admin.action(permissions=[...])."
    )
    for perm in permissions:
        assert callable(getattr(model_admin, f"has_{perm}_permission", None)), perm


@parametrize_actions(ACTIONS)
@pytest.mark.parametrize("who", list(WITHOUT_PERMISSION))
@pytest.mark.django_db
def test_staff_without_the_permissions_get_no_effect(client, model_admin, name, location, who):
    required = required_codenames(model_admin, name, location)
    if who == "view-only" and f"view_{model_admin.opts.model_name}" in required:
        pytest.skip("the action asks for no more than view permission")
    model_perms = model_permissions(model_admin.model)
    granted = WITHOUT_PERMISSION[who](model_perms, required)
    assert not granted.filter(pk__in=model_perms.filter(codename__in=required)).exists()
    # Signing in clears django-axes' failed attempts: build the rows afterwards.
    user = staff_user(f"staff-{who}", granted)
    client.force_login(user)
    rows = build_rows(model_admin.model, owner=user)
    before = database_state()

    url, response = post_action(client, model_admin, name, location, rows)

    assert database_state() == before
    assert not is_download(response)
    # A refusal: the page again (no confirmation step, no download), back to it, or 403.
    assert response.status_code in (200, 302, 403), response.status_code
    if response.status_code == 302:
        assert response["Location"] == url
    if response.status_code == 200:
        assert response["Content-Type"].startswith("text/html")
        templates = {t.name for t in response.templates}
        assert templates & {"admin/change_list.html", "admin/change_form.html"}
        assert "admin/delete_selected_confirmation.html" not in templates


def superuser_request():
    """A request from an (unsaved) superuser: asking what it is offered needs no database."""
    request = RequestFactory().get("/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    return request


def offered_actions():
    """Actions some user can run: a positive control for each, to prove the sweep bites."""
    request = superuser_request()
    return [
        entry
        for entry in ACTIONS
        if entry[1] in entry[0].get_actions(request, action_location=entry[2])
    ]


@parametrize_actions(offered_actions())
@pytest.mark.django_db
def test_staff_with_the_permissions_get_the_effect(client, model_admin, name, location):
    required = required_codenames(model_admin, name, location)
    granted = model_permissions(model_admin.model).filter(
        codename__in=[*required, f"view_{model_admin.opts.model_name}"]
    )
    assert set(granted.values_list("codename", flat=True)) >= required
    user = staff_user("holder", granted)
    client.force_login(user)
    rows = build_rows(model_admin.model, owner=user)
    before = database_state()

    _, response = post_action(client, model_admin, name, location, rows)

    assert response.status_code in (200, 302)
    label = model_admin.opts.label
    assert is_download(response) or database_state()[label] != before[label]


def test_project_checks_refuse_an_action_without_permissions():
    from flse_hub.admin import FlseAdminSite

    @admin.action(description="Does something to every row")
    def unguarded(modeladmin, request, queryset):
        raise AssertionError("never run")

    @admin.action(description="Needs change", permissions=["change"])
    def guarded(modeladmin, request, queryset):
        raise AssertionError("never run")

    class CreditAdmin(admin.ModelAdmin):
        actions = [guarded]

    class ResourceAdmin(admin.ModelAdmin):
        actions = [unguarded]

    site = FlseAdminSite(name="throwaway")
    try:
        site.register(Credit, CreditAdmin)
        site.register(Resource, ResourceAdmin)
        errors = [e for e in site.check(None) if e.id == "flse_hub.E001"]
        assert [e.obj for e in errors] == [ResourceAdmin]
        assert "unguarded" in errors[0].msg

        site.add_action(unguarded, "site_wide")
        errors = [e for e in site.check(None) if e.id == "flse_hub.E001"]
        assert {e.obj for e in errors} == {CreditAdmin, ResourceAdmin}
    finally:
        # Every AdminSite joins Django's system checks until it is garbage collected.
        all_sites.discard(site)


def test_the_project_passes_its_own_action_check():
    assert not [e for e in checks.run_checks() if e.id.startswith("flse_hub.")]


# --- publishing, object by object ------------------------------------------------------


@pytest.mark.django_db
def test_actions_ask_again_for_each_post(client):
    """The action bodies take the workflow step for each post; refused ones are named."""
    writer = staff_user(
        "writer", model_permissions(Post).filter(codename__in=["view_post", "change_post"])
    )
    mine = make_post("Mine", published=False, created_by=writer)
    theirs = make_post("Theirs", published=False)
    client.force_login(writer)
    url = reverse("admin:posts_post_changelist")
    data = {"action": "submit_for_review", "index": "0", "_selected_action": [mine.pk, theirs.pk]}
    response = client.post(url, data, follow=True)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Post.Status.IN_REVIEW
    assert theirs.status == Post.Status.DRAFT
    texts = [str(m) for m in response.context["messages"]]
    assert any("1 post(s) left as they were" in t and "“Theirs”" in t for t in texts), texts
    assert not any("“Mine”" in t for t in texts if "left as they were" in t)


# --- view on site -------------------------------------------------------------------


@pytest.fixture
def draft():
    return make_post("Unannounced restructure", published=False)


def view_on_site(obj):
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "codenames", [[], ["view_person"], ["view_topic", "change_topic", "delete_post", "add_post"]]
)
def test_view_on_site_is_a_404_without_view_permission(client, draft, codenames):
    person = make_person("Quiet Person")
    client.force_login(staff_user("nosy", Permission.objects.filter(codename__in=codenames)))
    response = client.get(view_on_site(draft))
    assert response.status_code == 404
    assert draft.slug not in response.content.decode()
    if "view_person" not in codenames:
        assert client.get(view_on_site(person)).status_code == 404
    # Unknown objects and content types answer the same.
    ct = ContentType.objects.get_for_model(Post).pk
    assert client.get(reverse("admin:view_on_site", args=[ct, 999999])).status_code == 404
    assert client.get(reverse("admin:view_on_site", args=[999999, 1])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("codename", ["view_post", "change_post"])
def test_view_on_site_takes_permitted_staff_to_the_preview(client, draft, codename):
    client.force_login(staff_user("writer", Permission.objects.filter(codename=codename)))
    change_page = client.get(reverse("admin:posts_post_change", args=[draft.pk]))
    assert f'href="{view_on_site(draft)}"' in change_page.content.decode()  # the button
    response = client.get(view_on_site(draft))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == draft.get_absolute_url()
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "this post is a draft and is not public" in preview.content.decode()


@pytest.mark.django_db
def test_view_on_site_for_people_needs_view_person(client):
    person = make_person("Named Person")
    make_post("Their post", authors=[person])
    client.force_login(
        staff_user("people-viewer", Permission.objects.filter(codename="view_person"))
    )
    response = client.get(view_on_site(person))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == person.get_absolute_url()


@pytest.mark.django_db
def test_view_on_site_for_models_outside_the_admin_is_a_404(client, draft):
    credit = Credit.objects.create(post=draft, person=make_person(), role=Credit.Role.AUTHOR)
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.org", "pw"))
    assert client.get(view_on_site(credit)).status_code == 404


@pytest.mark.django_db
def test_view_on_site_still_sends_anonymous_visitors_to_sign_in(client, draft):
    response = client.get(view_on_site(draft))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- previews on the public site ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("codenames", "status"),
    [
        ([], 404),
        (["view_person", "view_topic", "change_topic", "view_subscriber"], 404),
        (["view_post"], 200),
        (["change_post"], 200),
    ],
)
def test_draft_previews_need_a_post_permission(client, draft, codenames, status):
    scheduled = make_post("Next week", published_at=timezone.now() + timedelta(days=7))
    client.force_login(staff_user("staffer", Permission.objects.filter(codename__in=codenames)))
    assert client.get(draft.get_absolute_url()).status_code == status
    assert client.get(scheduled.get_absolute_url()).status_code == status


@pytest.mark.django_db
def test_a_non_staff_account_with_view_post_sees_no_drafts(client, draft):
    user = get_user_model().objects.create_user("former", "f@example.org")
    user.user_permissions.add(Permission.objects.get(codename="view_post"))
    client.force_login(user)
    assert client.get(draft.get_absolute_url()).status_code == 404


# --- autocomplete ---------------------------------------------------------------------


@pytest.mark.django_db
def test_person_autocomplete_needs_view_person(client):
    make_person("Alex Secretname")
    editor = staff_user(
        "post-editor",
        model_permissions(Post).filter(codename__in=["view_post", "change_post", "add_post"]),
    )
    client.force_login(editor)
    query = {"term": "alex", "app_label": "posts", "model_name": "credit", "field_name": "person"}
    response = client.get(reverse("admin:autocomplete"), query)
    assert response.status_code == 403
    assert b"Secretname" not in response.content

    editor.user_permissions.add(Permission.objects.get(codename="view_person"))
    response = client.get(reverse("admin:autocomplete"), query)
    assert [r["text"] for r in response.json()["results"]] == ["Alex Secretname"]


@pytest.mark.django_db
def test_topic_autocomplete_needs_view_topic(client):
    make_topic("Unlisted topic")
    client.force_login(staff_user("viewer", model_permissions(Post)))
    query = {"term": "unl", "app_label": "posts", "model_name": "post", "field_name": "topics"}
    assert client.get(reverse("admin:autocomplete"), query).status_code == 403


@pytest.mark.django_db
def test_the_admin_site_keeps_its_titles(client):
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.org", "pw"))
    page = client.get(reverse("admin:index")).content.decode()
    assert "FLSE Learning Hub" in page
    assert "Write and publish" in page
