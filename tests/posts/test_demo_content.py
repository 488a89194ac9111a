import io
import re
from html import unescape

import pytest
from django.core.management import call_command
from django.test import Client

from flse_hub.site.models import DemoContentLoad
from people.models import Person
from posts.models import Credit, Post, Topic

pytestmark = pytest.mark.django_db


def credits_of(slug, role):
    post = Post.objects.get(slug=slug)
    return [
        (c.person.name if c.person else None, c.role_title, c.anonymous)
        for c in post.credits.filter(role=role).select_related("person")
    ]


@pytest.fixture
def demo():
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_loads_the_ten_published_posts(demo):
    assert Post.objects.published().count() == 10
    assert Topic.objects.count() >= 10
    assert all(post.topics.exists() for post in Post.objects.all())


def test_running_again_changes_nothing_and_keeps_staff_edits(demo):
    post = Post.objects.get(slug="co-production-definition-is-in-the-detail")
    post.title = "Edited by staff"
    post.save()
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Post.objects.count() == 10
    assert Person.objects.count() == 11
    assert Post.objects.get(pk=post.pk).title == "Edited by staff"


def test_one_person_per_real_person_whatever_the_spelling(demo):
    alan = Person.objects.get(name="Alan Wallace")
    assert alan.credits.values("post").distinct().count() == 2
    assert Person.objects.filter(name__icontains="Andree").count() == 1
    assert Person.objects.filter(name__icontains="Rieley").count() == 1


def test_authors_roles_and_contacts_are_as_printed(demo):
    assert credits_of("co-production-definition-is-in-the-detail", "author") == [
        ("Ian Harrison", "Engagement and Co-production Worker", False),
        ("Vikki", "Engagement and Co-production Worker", False),
    ]
    assert credits_of("co-production-definition-is-in-the-detail", "contact") == [
        ("Andree Ralph", "Co-production and Engagement Lead", False),
    ]
    common_ambition = credits_of(
        "common-ambition-and-fulfilling-lives-south-east-a-flourishing-partnership", "author"
    )
    assert [name for name, _, _ in common_ambition] == [
        "Michaela Rossmann", "Aditi Bhonagiri", "Ian Harrison", "Rebecca Rieley",
    ]  # fmt: skip
    assert common_ambition[-1][1] == "System Change Lead"  # printed so in that post


def test_the_anonymous_author_is_only_a_label(demo):
    slug = "seeing-the-whole-person-reflections-on-a-journey-into-employment"
    assert credits_of(slug, "author") == [(None, "", True)]
    html = Client().get(Post.objects.get(slug=slug).get_absolute_url()).content.decode()
    assert "Anonymous Fulfilling Lives Team Member" in html


def test_bodies_have_structure_and_no_trailers(demo):
    for post in Post.objects.all():
        assert "<h2>" in post.body or "<p>" in post.body
        assert "list-manage.com" not in post.body
        assert "sign up to our newsletter" not in post.body
        assert "Authors:" not in post.body
    pie = Post.objects.get(slug="journeys-towards-a-psychologically-informed-environment-pie")
    assert "<ul>" in pie.body and "<li>Co-production</li>" in pie.body.replace("\n", "")
    common = Post.objects.get(slug__startswith="common-ambition")
    assert "<ol>" in common.body


def test_doi_becomes_a_doi_org_link(demo):
    post = Post.objects.get(slug__startswith="punching-above-your-weight")
    html = Client().get(post.get_absolute_url()).content.decode()
    assert 'href="https://doi.org/10.1108/HCS-12-2021-0043"' in html
    assert "mailto:kerry.dowding@bht.org.uk" in html


def test_every_demo_credit_is_either_named_or_anonymous(demo):
    assert not Credit.objects.filter(person__isnull=True, anonymous=False).exists()


def test_domestic_abuse_topic_is_flagged_for_quick_exit(demo, client):
    assert list(Topic.objects.filter(quick_exit=True).values_list("slug", flat=True)) == [
        "domestic-abuse"
    ]
    page = client.get(
        Post.objects.get(
            slug="flse-responds-to-the-tackling-domestic-abuse-plan"
        ).get_absolute_url()
    )
    assert "Exit this page" in page.content.decode()


def load(*args):
    out = io.StringIO()
    call_command("load_demo_content", *args, stdout=out)
    return out.getvalue()


def test_a_deleted_demo_post_stays_deleted(demo):
    Post.objects.get(slug="co-production-definition-is-in-the-detail").delete()
    topic = Topic.objects.first()
    topic.delete()
    assert "already loaded" in load()
    assert not Post.objects.filter(slug="co-production-definition-is-in-the-detail").exists()
    assert not Topic.objects.filter(slug=topic.slug).exists()
    assert Post.objects.count() == 9


def test_a_demo_post_whose_address_staff_changed_is_not_added_again(demo):
    post = Post.objects.get(slug="co-production-definition-is-in-the-detail")
    post.slug = "what-co-production-means"
    post.save()
    load()
    assert Post.objects.count() == 10
    assert Post.objects.filter(title=post.title).count() == 1
    assert not Post.objects.filter(slug="co-production-definition-is-in-the-detail").exists()


def test_a_database_loaded_before_loads_were_remembered_is_left_alone():
    load()
    DemoContentLoad.objects.all().delete()  # as it was before the record existed
    Post.objects.get(slug="co-production-definition-is-in-the-detail").delete()
    assert "already has posts" in load()
    assert Post.objects.count() == 9
    assert "already loaded" in load()


def test_force_loads_the_deleted_posts_again(demo):
    Post.objects.get(slug="co-production-definition-is-in-the-detail").delete()
    assert "1 post(s) added, 9 already present" in load("--force")
    assert Post.objects.filter(slug="co-production-definition-is-in-the-detail").exists()


LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.S)
# Words that promise a link when they end a sentence ("download here:", "visit their
# website", "read our … report"): such a sentence must carry its link.
PROMISE = re.compile(
    r"\bhere\W*$|\b(visit|read|see|download)\b.*\b(website|report|toolkit|blog)\W*$", re.I
)


def sentences(post):
    """Every sentence of the body as a reader sees it, links marked [[text]]."""
    for block in re.findall(r"<(?:p|li)>(.*?)</(?:p|li)>", post.body, re.S):
        text = unescape(re.sub(r"<[^>]+>", "", LINK.sub(r"[[\1]]", block)))
        yield from re.split(r"(?<=[.!?])\s+", text.strip())


def test_no_demo_sentence_ends_in_a_missing_link(demo):
    for post in Post.objects.all():
        for sentence in sentences(post):
            assert not sentence.endswith("here:"), (post.slug, sentence)
            if PROMISE.search(sentence.replace("[[", "").replace("]]", "")):
                assert "[[" in sentence, (post.slug, sentence)
            assert sentence.count("(") == sentence.count(")"), (post.slug, sentence)


def test_every_demo_link_has_text_and_a_target_that_answers(demo, client):
    links = [
        (post.slug, href, unescape(re.sub(r"<[^>]+>", "", text)).strip())
        for post in Post.objects.all()
        for href, text in re.findall(r'<a\b[^>]*href="([^"]*)"[^>]*>(.*?)</a>', post.body, re.S)
    ]
    assert len(links) >= 4
    for slug, href, text in links:
        assert text and not text.endswith(":"), (slug, href)
        if href.startswith("/"):
            assert client.get(href).status_code == 200, (slug, href)
        else:
            assert href.startswith("https://"), (slug, href)


def test_no_standfirst_is_a_note_about_text_above_or_below(demo):
    for post in Post.objects.all():
        assert not re.search(r"\b(above|below)\b", post.standfirst, re.I), post.slug


def test_the_notes_list_every_rewording():
    out = io.StringIO()
    call_command("load_demo_content", verbosity=2, stdout=out)
    notes = out.getvalue()
    changed = ["download here:", "their website", "Ripple Effect", "The above quoted text"]
    changed += ["Steering Groups here", "toolkit here", "British Medical Association"]
    assert [phrase for phrase in changed if phrase not in notes] == []
