from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Newsletter managers"
PERMISSIONS = {
    "subscriber": ["view", "change", "delete", "export"],
    "suppressedaddress": ["view"],
    "privacynotice": ["view", "change"],
}

PRIVACY_NOTICE = """\
Fulfilling Lives South East (FLSE) sends a newsletter by email to people who ask for it.

What we keep: your email address; your name and the topics you chose, if you gave them; when you signed up and confirmed, the words you agreed to, and the page you signed up on.

Why: only to send you the newsletter you asked for. Our lawful basis is your consent, which you give by confirming from your inbox. We never sell or share your details. We may pass them to the service that sends our emails, which handles them only on our instructions.

How long: until you leave. If you ask us to erase your details we delete them and keep only a one-way scrambled code of your address, so that it is not added again by mistake.

Your rights: you can leave at any time with the link in every email, and ask to see, correct or erase your details. You can complain to the Information Commissioner's Office: https://ico.org.uk/make-a-complaint/

Staff: edit this notice in the admin under People, Privacy notice."""


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations run; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="people", codename__in=codenames)
    )
    PrivacyNotice = apps.get_model("people", "PrivacyNotice")
    if not PrivacyNotice.objects.exists():
        PrivacyNotice.objects.create(pk=1, title="Privacy notice", body=PRIVACY_NOTICE)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("people", "0002_add_newsletter_subscribers"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
