import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Make sure a staff login exists for a local install. Creates the superuser 'admin' "
        "with a random password on first run, stores it in var/ and prints how to sign in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *, username, **options):
        User = get_user_model()
        login_file = settings.VAR_DIR / "staff-login.txt"
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email="", password=password)
            login_file.parent.mkdir(parents=True, exist_ok=True)
            login_file.write_text(f"username: {username}\npassword: {password}\n")
            login_file.chmod(0o600)
            self.stdout.write(self.style.SUCCESS(f"Created the staff login '{username}'."))
        if login_file.exists():
            self.stdout.write(
                f"Sign in to the admin at /admin/ with the login in {login_file}:\n"
                + login_file.read_text()
            )
        else:
            self.stdout.write(
                f"The staff login '{username}' already exists. Forgotten the password? Run:\n"
                f"  .venv/bin/python manage.py changepassword {username}"
            )
