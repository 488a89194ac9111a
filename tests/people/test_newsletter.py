"""The newsletter signup journey, through the real views, forms and Django's mail outbox."""

import io
import ipaddress
import socket
import threading
import time
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from people import consent, tokens
from people.models import Subscriber, SubscriberQuerySet
from tests.factories import make_topic
from tests.people.helpers import last_email_to, link_in, run_worker, sign_up

pytestmark = pytest.mark.django_db


def test_signup_confirm_and_unsubscribe_journey(client):
    housing = make_topic("Housing")
    make_topic("Co-production")

    response = client.get(reverse("people:newsletter"))
    assert response.status_code == 200
    assert consent.wording() in response.content.decode()
    assert 'href="/privacy/"' in response.content.decode()

    response = sign_up(client, "Ann@Example.ORG", name="Ann", topics=[housing.slug])
    assert response.status_code == 302
    assert response["Location"] == reverse("people:newsletter-check-email")
    assert client.get(response["Location"]).status_code == 200

    subscriber = Subscriber.objects.get()
    assert subscriber.email == "Ann@example.org"
    assert subscriber.name == "Ann"
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.consent_version == consent.CURRENT_VERSION
    assert subscriber.consented_at is not None
    assert subscriber.source_page == "/posts/"
    assert list(subscriber.interests.values_list("topic_slug", flat=True)) == ["housing"]
    assert subscriber.confirmation_sent_at is not None

    [message] = mail.outbox
    assert message.to == ["Ann@example.org"]
    assert "Fulfilling Lives South East" in message.subject
    assert "Fulfilling Lives South East" in message.body
    assert "What happens next" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Confirm my subscription" in html
    assert "Unsubscribe" in html
    one_click = message.extra_headers["List-Unsubscribe"]
    assert one_click.startswith("<http://testserver/newsletter/unsubscribe/")
    assert one_click.endswith("/one-click/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    confirm_path = link_in(message, "confirm")
    response = client.get(confirm_path)
    assert response.status_code == 200
    assert b"Yes, subscribe me" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING, "opening the link must not confirm"

    response = client.post(confirm_path)
    assert response.status_code == 200
    assert b"You are subscribed" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert subscriber.confirmed_at is not None

    unsubscribe_path = link_in(message, "unsubscribe")
    response = client.get(unsubscribe_path)
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE, "opening the link must not unsubscribe"

    response = client.post(unsubscribe_path)
    assert response.status_code == 200
    assert b"You have left the newsletter" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None


def test_one_click_unsubscribe_needs_no_cookie_or_csrf_token(client):
    sign_up(client, "bo@example.org")
    one_click = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    bare = Client(enforce_csrf_checks=True)

    assert bare.get(one_click).status_code == 302  # a GET only shows the button page
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    assert bare.post(one_click, {}).status_code == 400  # not the RFC 8058 body
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING

    response = bare.post(
        one_click, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED


def test_links_that_change_a_subscription_keep_csrf_protection(client):
    sign_up(client, "cy@example.org")
    confirm_path = link_in(mail.outbox[0], "confirm")
    unsubscribe_path = link_in(mail.outbox[0], "unsubscribe")
    bare = Client(enforce_csrf_checks=True)
    assert bare.post(unsubscribe_path).status_code == 403
    assert bare.post(confirm_path).status_code == 403
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_signup_needs_no_csrf_cookie_so_public_pages_stay_cacheable(client):
    # The footer box is on every page; a token in it would make every page private.
    bare = Client(enforce_csrf_checks=True)
    home = bare.get(reverse("posts:home"))
    assert "csrftoken" not in home.cookies
    assert "public" in home["Cache-Control"]
    response = sign_up(bare, "dot@example.org")
    assert response.status_code == 302
    assert Subscriber.objects.filter(email="dot@example.org").exists()


def test_duplicate_signups_in_any_case_give_one_row(client):
    for address in ["dee@example.org", "DEE@EXAMPLE.ORG", "  Dee@Example.org "]:
        assert sign_up(client, address).status_code == 302
    assert Subscriber.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_signups_of_one_address_give_one_row():
    barrier = threading.Barrier(8)
    statuses = []

    def worker(n):
        try:
            barrier.wait()
            response = sign_up(
                Client(),
                "race@example.org" if n % 2 else "RACE@example.org",
                environ={"REMOTE_ADDR": f"10.0.0.{n}"},
                worker=False,
            )
            statuses.append(response.status_code)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 8
    assert Subscriber.objects.count() == 1


def test_the_public_answer_is_the_same_whatever_the_address_state(client):
    sign_up(client, "pending@example.org")
    sign_up(client, "active@example.org")
    client.post(link_in(last_email_to("active@example.org"), "confirm"))
    sign_up(client, "gone@example.org")
    client.post(link_in(last_email_to("gone@example.org"), "unsubscribe"))
    states = dict(Subscriber.objects.values_list("email", "status"))
    assert states == {
        "pending@example.org": "pending",
        "active@example.org": "active",
        "gone@example.org": "unsubscribed",
    }

    answers = {
        address: sign_up(client, address)
        for address in [
            "new@example.org",
            "pending@example.org",
            "active@example.org",
            "gone@example.org",
        ]
    }
    seen = {(r.status_code, r["Location"], r.content) for r in answers.values()}
    assert len(seen) == 1, seen
    # What each owner then finds in their inbox is what differs.
    assert "Confirm" in last_email_to("new@example.org").subject
    assert "Confirm" in last_email_to("pending@example.org").subject
    assert "already subscribed" in last_email_to("active@example.org").subject
    assert "Confirm" in last_email_to("gone@example.org").subject


def test_an_active_subscriber_is_not_changed_by_a_stranger_signing_them_up(client):
    make_topic("Housing")
    sign_up(client, "eve@example.org", name="Eve")
    client.post(link_in(mail.outbox[0], "confirm"))
    sign_up(client, "eve@example.org", name="Mallory", topics=["housing"])
    subscriber = Subscriber.objects.get()
    assert (subscriber.name, subscriber.status) == ("Eve", Subscriber.Status.ACTIVE)
    assert not subscriber.interests.exists()
    assert "/newsletter/manage/" in last_email_to("eve@example.org").body


def test_pending_signup_again_resends_and_unsubscribed_starts_a_fresh_consent(client, settings):
    sign_up(client, "fay@example.org", source="/topics/")
    first = Subscriber.objects.get()
    sign_up(client, "fay@example.org", source="/posts/")
    assert len(mail.outbox) == 2
    client.post(link_in(mail.outbox[1], "unsubscribe"))

    sign_up(client, "fay@example.org", source="/newsletter/")
    again = Subscriber.objects.get()
    assert again.status == Subscriber.Status.PENDING
    assert again.consented_at > first.consented_at
    assert again.source_page == "/newsletter/"
    assert len(mail.outbox) == 3
    client.post(link_in(mail.outbox[2], "confirm"))
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE


def test_honeypot_gets_the_same_answer_but_nothing_is_stored_or_sent(client):
    human = sign_up(client, "human@example.org")
    bot = sign_up(client, "victim@example.org", website="http://spam.example")
    assert (bot.status_code, bot["Location"]) == (human.status_code, human["Location"])
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["human@example.org"]
    assert [m.to for m in mail.outbox] == [["human@example.org"]]


def test_the_honeypot_is_hidden_from_people_and_assistive_technology(client):
    html = client.get(reverse("people:newsletter")).content.decode()
    assert '<div class="honeypot" aria-hidden="true">' in html
    assert 'name="website" value="" autocomplete="off" tabindex="-1"' in html


def test_signups_are_rate_limited_per_client_ip(client, settings):
    settings.NEWSLETTER_RATE_PER_IP = (2, 3600)
    here = {"REMOTE_ADDR": "203.0.113.9"}
    assert sign_up(client, "a1@example.org", environ=here).status_code == 302
    assert sign_up(client, "a2@example.org", environ=here).status_code == 302
    response = sign_up(client, "a3@example.org", environ=here)
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert b"Please try again later" in response.content
    assert (
        sign_up(client, "a3@example.org", environ={"REMOTE_ADDR": "203.0.113.10"}).status_code
        == 302
    )
    assert Subscriber.objects.count() == 3


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(client, settings):
    settings.NEWSLETTER_RATE_PER_IP = (1, 3600)
    spoof = {"REMOTE_ADDR": "198.51.100.1", "HTTP_X_FORWARDED_FOR": "1.1.1.1"}
    assert sign_up(client, "b1@example.org", environ=spoof).status_code == 302
    spoof["HTTP_X_FORWARDED_FOR"] = "2.2.2.2"
    assert sign_up(client, "b2@example.org", environ=spoof).status_code == 429

    settings.TRUSTED_PROXIES = (ipaddress.ip_network("198.51.100.1"),)
    spoof["HTTP_X_FORWARDED_FOR"] = "9.9.9.9, 3.3.3.3"
    assert sign_up(client, "b3@example.org", environ=spoof).status_code == 302


def test_emails_are_rate_limited_per_address_without_changing_the_answer(client, settings):
    settings.NEWSLETTER_RATE_PER_ADDRESS = (2, 3600)
    answers = {
        sign_up(client, "gil@example.org", environ={"REMOTE_ADDR": f"10.1.0.{n}"})["Location"]
        for n in range(4)
    }
    assert answers == {reverse("people:newsletter-check-email")}
    assert len(mail.outbox) == 2
    assert Subscriber.objects.count() == 1


def test_invalid_address_shows_the_govuk_error_summary(client):
    response = sign_up(client, "not an address")
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error:" in html
    assert 'id="error-summary" role="alert" tabindex="-1"' in html
    assert '<a href="#id_email">Enter an email address in the correct format' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_email_error"' in html
    assert 'id="id_email_error"' in html
    assert "js/error-summary.js" in html
    assert "<script>" not in html  # no inline script: a strict CSP is coming
    assert Subscriber.objects.count() == 0

    response = sign_up(client, "")
    assert response.status_code == 400
    assert "Enter your email address" in response.content.decode()


def test_addresses_are_normalised_with_idna_domains(client):
    sign_up(client, "  Zoe.Q@BÜCHER.Example. ")
    assert Subscriber.objects.get().email == "Zoe.Q@xn--bcher-kva.example"


def test_an_expired_link_offers_a_fresh_email_with_410(client):
    sign_up(client, "hal@example.org")
    subscriber = Subscriber.objects.get()
    eight_days_ago = time.time() - 8 * 24 * 3600
    with mock.patch("time.time", return_value=eight_days_ago):
        old_token = tokens.make(tokens.CONFIRM, subscriber.pk)
    path = reverse("people:newsletter-confirm", kwargs={"token": old_token})
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 410
        assert b"This link has expired" in response.content
        assert b"Send me a fresh email" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING


def test_forged_and_wrong_purpose_links_are_refused_with_400(client):
    sign_up(client, "ida@example.org")
    subscriber = Subscriber.objects.get()
    good = tokens.make(tokens.CONFIRM, subscriber.pk)
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    other_pk = tokens.make(tokens.CONFIRM, subscriber.pk)[:-1]
    unsubscribe_token = tokens.make(tokens.UNSUBSCRIBE, subscriber.pk)
    for token in (forged, other_pk, unsubscribe_token, "1:abc:def"):
        response = client.post(reverse("people:newsletter-confirm", kwargs={"token": token}))
        assert response.status_code == 400, token
        assert b"This link does not work" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_mail_server_down_loses_nothing_and_the_retry_command_sends(client, settings):
    locmem = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _closed_port(), "timeout": 2},
        }
    }
    response = sign_up(client, "jo@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:newsletter-check-email")
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.confirmation_sent_at is None
    assert subscriber.confirmation_failed_at is not None
    assert "ConnectionRefusedError" in subscriber.confirmation_error
    assert subscriber.confirmation_attempts == 1
    assert subscriber.confirmation_due

    out = io.StringIO()
    call_command("send_pending_confirmations", stdout=out)  # still down
    assert out.getvalue().strip() == "Newsletter emails queued for the worker: 1."
    run_worker()
    subscriber.refresh_from_db()
    assert subscriber.confirmation_attempts == 2
    assert subscriber.confirmation_due

    settings.MAILERS = locmem
    call_command("send_pending_confirmations", stdout=out)
    run_worker()
    assert [m.to for m in mail.outbox] == [["jo@example.org"]]
    subscriber.refresh_from_db()
    assert not subscriber.confirmation_due
    assert subscriber.confirmation_sent_at is not None

    out = io.StringIO()
    call_command("send_pending_confirmations", stdout=out)  # idempotent
    assert out.getvalue().strip() == "Newsletter emails queued for the worker: 0."
    run_worker()
    assert len(mail.outbox) == 1
    client.post(link_in(mail.outbox[0], "confirm"))
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE


def test_change_topics_or_leave_by_emailed_link(client):
    make_topic("Housing")
    make_topic("Trauma-informed work")
    sign_up(client, "kim@example.org", topics=["housing"])
    client.post(link_in(mail.outbox[0], "confirm"))

    url = reverse("people:newsletter-manage-request")
    known = client.post(url, {"manage-email": "KIM@example.org"})
    unknown = client.post(url, {"manage-email": "nobody@example.org"})
    run_worker()
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox[1:]] == [["kim@example.org"]]

    manage_path = link_in(mail.outbox[1], "manage")
    page = client.get(manage_path)
    assert page.status_code == 200
    assert b'value="housing"' in page.content and b"checked" in page.content
    response = client.post(manage_path, {"name": "Kim", "topics": ["trauma-informed-work"]})
    assert response.status_code == 200
    assert b"Your changes are saved" in response.content
    subscriber = Subscriber.objects.get()
    assert subscriber.name == "Kim"
    assert list(subscriber.interests.values_list("topic_slug", flat=True)) == [
        "trauma-informed-work"
    ]

    assert client.post(manage_path, {"topics": ["no-such-topic"]}).status_code == 400


def test_footer_box_is_on_every_page_and_works_without_javascript(client):
    html = client.get(reverse("posts:home")).content.decode()
    assert 'action="/newsletter/"' in html
    assert '<input type="hidden" name="source" value="/">' in html
    assert consent.wording() in html
    assert 'href="/privacy/"' in html
    # The newsletter page has its own form, so no second box in its footer.
    page = client.get(reverse("people:newsletter")).content.decode()
    assert "newsletter-box-email" not in page


def test_the_old_privacy_address_moves_for_good_to_the_privacy_page(client):
    response = client.get("/newsletter/privacy/")
    assert response.status_code == 301
    assert response["Location"] == "/privacy/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Information Commissioner" in page.content


def test_a_lost_race_on_insert_reads_the_winners_row(client):
    """If the lookup misses a row another signup just inserted, the unique constraint catches it."""
    sign_up(client, "lee@example.org")
    with mock.patch.object(SubscriberQuerySet, "first", return_value=None):
        assert sign_up(client, "LEE@example.org").status_code == 302
    assert Subscriber.objects.count() == 1


def test_list_unsubscribe_is_written_unencoded_on_one_line(client):
    """Python would RFC 2047-encode a long URL header, which mail clients cannot use."""
    sign_up(client, "uma@example.org")
    raw = mail.outbox[0].message().as_bytes().decode()
    one_click = mail.outbox[0].extra_headers["List-Unsubscribe"]
    assert f"\nList-Unsubscribe: {one_click}\n" in raw.replace("\r\n", "\n")
    assert "=?utf-8?" not in raw.split("\n\n", 1)[0].split("List-Unsubscribe:", 1)[1].split("\n")[0]
    assert "\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n" in raw.replace("\r\n", "\n")
