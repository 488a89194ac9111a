"""Staff roles: the groups and exactly the permissions each holds, defined here only.

The data migration posts 0011 creates the groups, and every `migrate` (on a fresh
database or an existing one) sets each group's permissions to exactly this list:
edit it here, not on the group's admin page, where a change lasts until the next
deploy. What a permission allows on a post (own drafts only, which state changes)
is decided by posts.workflow.

"Newsletter managers" is made by people 0003 and left as it is there.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

WRITERS = "Writers"
EDITORS = "Editors"

_WRITE_OWN_POSTS = [
    "posts.view_post",
    "posts.add_post",
    # Only their own drafts (PostAdmin.has_change_permission, posts.workflow).
    "posts.change_post",
    # Credits and resources are edited inline on a post the user may change.
    "posts.view_credit",
    "posts.add_credit",
    "posts.change_credit",
    "posts.delete_credit",
    "posts.view_resource",
    "posts.add_resource",
    "posts.change_resource",
    "posts.delete_resource",
    "posts.view_topic",
    "people.view_person",
    # The media library (posts.media): writers upload and describe images and files,
    # and use anyone's; deleting one (refused while a post uses it) is the editors'.
    "media.view_image",
    "media.add_image",
    "media.change_image",
    "media.view_document",
    "media.add_document",
    "media.change_document",
    # To preview a draft page (flse_hub.site); editing pages is the editors'.
    "site.view_page",
    # The link check's report and each post's broken links (posts.linkcheck).
    "linkcheck.view_link",
]

GROUP_PERMISSIONS = {
    WRITERS: _WRITE_OWN_POSTS,
    EDITORS: [
        *_WRITE_OWN_POSTS,
        "posts.change_any_post",
        "posts.delete_post",
        "posts.review_post",
        "posts.publish_post",
        "posts.add_topic",
        "posts.change_topic",
        "posts.delete_topic",
        "media.delete_image",
        "media.delete_document",
        "people.add_person",
        "people.change_person",
        "people.delete_person",
        # Redirects from old addresses (flse_hub.site), e.g. the previous website's.
        "site.view_redirect",
        "site.add_redirect",
        "site.change_redirect",
        "site.delete_redirect",
        # The organisation's identity and menus (flse_hub.site): one settings record.
        "site.view_sitesettings",
        "site.change_sitesettings",
        "site.view_headerlink",
        "site.add_headerlink",
        "site.change_headerlink",
        "site.delete_headerlink",
        "site.view_footerlink",
        "site.add_footerlink",
        "site.change_footerlink",
        "site.delete_footerlink",
        "site.view_sociallink",
        "site.add_sociallink",
        "site.change_sociallink",
        "site.delete_sociallink",
        # Pages (flse_hub.site): About, Contact, the privacy notice…
        "site.add_page",
        "site.change_page",
        "site.delete_page",
        # Queue a check of every link now (posts.linkcheck), besides the schedule.
        "linkcheck.check_links",
        # What a WordPress import brought in, and from where (flse_hub.wordpress).
        "wordpress.view_importeditem",
    ],
}

# Shown beside each group on the user's admin page.
GROUP_DESCRIPTIONS = {
    WRITERS: (
        "write posts and edit their own drafts, submit them for review, upload images and "
        "files; cannot publish"
    ),
    EDITORS: (
        "review, publish, schedule and unpublish; edit any post; manage people, topics, "
        "the media library, pages, redirects, menus and site settings"
    ),
    "Newsletter managers": "see, export and erase newsletter subscribers; compose and send "
    "the newsletter",
}


class UnknownPermission(LookupError):
    pass


def sync_groups(*, using=DEFAULT_DB_ALIAS, apps=global_apps, missing_ok=False):
    """Give each group in GROUP_PERMISSIONS exactly its permissions, creating what is absent.

    `missing_ok` skips permissions whose model does not exist yet (a migration runs
    against the models of its time); otherwise an unknown one is an error, so a typo
    here fails the deploy instead of silently granting less.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = {label for labels in GROUP_PERMISSIONS.values() for label in labels}
    found = {}
    for app_label, codename, pk in Permission.objects.using(using).values_list(
        "content_type__app_label", "codename", "pk"
    ):
        label = f"{app_label}.{codename}"
        if label in wanted:
            found[label] = pk
    missing = wanted - found.keys()
    if missing and not missing_ok:
        raise UnknownPermission(f"posts.roles names unknown permissions: {sorted(missing)}")
    for name, labels in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set([found[label] for label in labels if label in found])


def create_all_permissions(*, using=DEFAULT_DB_ALIAS, apps=global_apps):
    """Create every model's permissions now, as Django does only after all migrations."""
    for app_config in apps.get_app_configs():
        # A migration's apps have no models modules; create_permissions skips those.
        was = getattr(app_config, "models_module", None)
        app_config.models_module = was or True
        try:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            app_config.models_module = was


def sync_after_migrate(sender, *, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate receiver (posts.apps): every deploy puts the groups back in step.

    Apps after posts in INSTALLED_APPS get their permissions later in the same signal,
    so they are all created first.
    """
    create_all_permissions(using=using)
    sync_groups(using=using)
