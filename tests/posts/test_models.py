from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from posts.models import Credit, Post
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db


def test_published_includes_only_published_posts_whose_time_has_come():
    live = make_post("Live")
    make_post("Draft", published=False)
    make_post("Scheduled", published_at=timezone.now() + timedelta(hours=1))
    make_post("Draft with a past date", status=Post.Status.DRAFT, published_at=timezone.now())

    assert list(Post.objects.published()) == [live]
    assert live.is_published
    assert Post.objects.get(slug="scheduled").is_scheduled


def test_scheduled_post_becomes_public_at_its_time():
    when = timezone.now() + timedelta(minutes=5)
    post = make_post("Later", published_at=when)
    assert not Post.objects.published().filter(pk=post.pk).exists()
    Post.objects.filter(pk=post.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert Post.objects.published().filter(pk=post.pk).exists()


def test_publishing_without_a_date_means_now():
    post = Post.objects.create(
        title="Now", slug="now", standfirst="s", status=Post.Status.PUBLISHED
    )
    assert post.published_at is not None
    assert post.is_published


def test_database_refuses_a_published_post_without_a_date():
    post = make_post("Dated")
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(published_at=None)


def test_database_refuses_a_second_credit_for_the_same_person_and_role():
    person = make_person("Kerry Dowding")
    post = make_post("Paper", authors=[person])
    with pytest.raises(IntegrityError), transaction.atomic():
        Credit.objects.create(post=post, person=person, role=Credit.Role.AUTHOR)
    # The same person may still be the contact.
    Credit.objects.create(post=post, person=person, role=Credit.Role.CONTACT)


def test_named_credit_needs_a_person_but_anonymous_credit_does_not():
    post = make_post("Story")
    Credit.objects.create(post=post, person=None, anonymous=True, public_label="Anonymous author")
    with pytest.raises(IntegrityError), transaction.atomic():
        Credit.objects.create(post=post, person=None, anonymous=False)


def test_body_is_sanitised_on_save():
    post = make_post("Unsafe", body='<p onclick="x()">Hi<script>alert(1)</script></p>')
    post.refresh_from_db()
    assert post.body == "<p>Hi</p>"


def test_reading_time_rounds_up_at_two_hundred_words_a_minute():
    assert make_post("Short", body="<p>one two three</p>").reading_minutes == 1
    assert make_post("Long", body="<p>" + "word " * 401 + "</p>").reading_minutes == 3


def test_credit_shows_label_not_name_when_anonymous():
    credit = Credit(person=make_person("Secret Name"), anonymous=True, public_label="A colleague")
    assert credit.public_name == "A colleague"
    assert credit.public_person is None
    assert credit.public_email == ""
