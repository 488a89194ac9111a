"""Newsletter managers compose and send issues (the group is people 0003's)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Newsletter managers"
CODENAMES = [
    "view_newsletterissue",
    "add_newsletterissue",
    "change_newsletterissue",
    "delete_newsletterissue",
    "send_newsletterissue",
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations run; make people's now.
    app_config = apps.get_app_config("people")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="people", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="people", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0007_newsletter_issues_and_deliveries")]

    operations = [migrations.RunPython(grant, revoke)]
