"""Local emails (EMAIL_URL=file:///folder, what `make run` uses) open and click."""

import re
from email import policy
from email.parser import BytesParser

import pytest
from django.core.cache import cache

from flse_hub.env import mailers_from_url
from people.models import Subscriber
from tests.people.helpers import sign_up

pytestmark = pytest.mark.django_db

NAME = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-confirm-your-subscription-to-the-fulfilling-lives-south-east(-\d+)?\.eml"
)


@pytest.fixture
def folder(settings, tmp_path):
    cache.clear()  # rate-limit counters outlive a test's database
    settings.MAILERS = mailers_from_url(f"file://{tmp_path}/sent-emails")
    return tmp_path / "sent-emails"


def test_a_confirmation_email_opens_and_its_link_confirms(client, folder):
    sign_up(client, "jo@example.org")
    (path,) = folder.iterdir()
    assert NAME.fullmatch(path.name), path.name
    with path.open("rb") as file:
        message = BytesParser(policy=policy.default).parse(file)
    assert message["To"] == "jo@example.org"
    # As a person reads it: the decoded text, not the quoted-printable on the wire.
    text = message.get_body(preferencelist=("plain",)).get_content()
    (confirm,) = re.findall(r"https?://\S+/newsletter/confirm/\S+", text)
    client.get(confirm)  # the page asks for a click, or confirms outright
    response = client.post(confirm)
    assert response.status_code in {200, 302}
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE


def test_two_emails_in_one_second_are_two_files(client, folder):
    sign_up(client, "jo@example.org")
    sign_up(client, "sam@example.org")
    names = sorted(path.name for path in folder.iterdir())
    assert len(names) == 2 and all(NAME.fullmatch(name) for name in names)


def test_with_debug_the_worker_log_shows_the_decoded_links(client, folder, settings, capsys):
    settings.DEBUG = True
    sign_up(client, "jo@example.org")
    err = capsys.readouterr().err
    (path,) = folder.iterdir()
    assert "Email to jo@example.org: 'Confirm your subscription" in err
    assert path.name in err
    (confirm,) = re.findall(r"^    (https?://\S+/newsletter/confirm/\S+)$", err, re.M)
    assert "=3D" not in confirm and "=\n" not in confirm
    client.post(confirm)
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE


def test_without_debug_no_links_are_printed(client, folder, capsys):
    sign_up(client, "jo@example.org")
    assert "newsletter/confirm" not in capsys.readouterr().err
    assert len(list(folder.iterdir())) == 1
