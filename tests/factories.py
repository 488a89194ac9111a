"""Small builders for test data: each makes one valid object and takes overrides."""

import itertools
from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify

from people.models import Person
from posts.models import Credit, Post, Topic

_seq = itertools.count(1)


def make_person(name=None, **fields):
    name = name or f"Person {next(_seq)}"
    fields.setdefault("slug", slugify(name))
    return Person.objects.create(name=name, **fields)


def make_topic(name=None, **fields):
    name = name or f"Topic {next(_seq)}"
    fields.setdefault("slug", slugify(name))
    return Topic.objects.create(name=name, **fields)


def make_post(title=None, *, authors=(), contacts=(), topics=(), published=True, **fields):
    """A published post (a day old by default) with credits and topics.

    `authors` and `contacts` are Person objects or (person, {credit fields}) pairs.
    """
    title = title or f"Post {next(_seq)}"
    fields.setdefault("slug", slugify(title))
    fields.setdefault("standfirst", f"Standfirst of {title}.")
    fields.setdefault("body", f"<p>Body of {title}.</p>")
    if published:
        fields.setdefault("status", Post.Status.PUBLISHED)
        fields.setdefault("published_at", timezone.now() - timedelta(days=1))
    post = Post.objects.create(title=title, **fields)
    for role, people in ((Credit.Role.AUTHOR, authors), (Credit.Role.CONTACT, contacts)):
        for order, entry in enumerate(people):
            person, extra = entry if isinstance(entry, tuple) else (entry, {})
            Credit.objects.create(post=post, person=person, role=role, order=order, **extra)
    if topics:
        post.topics.set(topics)
    return post
