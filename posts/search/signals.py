"""Thin receivers: every write that changes a post's public text reindexes it.

They run inside the writer's transaction (Post.save and Django's deletes are
atomic; the admin wraps each change in one), so the index commits or rolls
back with the change. A change that reaches many posts (a topic or person
renamed, a topic deleted) only marks them stale, and the worker reindexes them
after the commit (posts.tasks). The work itself is in posts/search/indexing.py.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from people.models import Person
from posts import tasks
from posts.models import Credit, Post, TaggedPost, Topic
from posts.search import indexing


@receiver(post_save, sender=Post, dispatch_uid="search_post_saved")
@receiver(post_delete, sender=Post, dispatch_uid="search_post_deleted")
def post_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        indexing.reindex_post(instance.pk)


@receiver(post_save, sender=Credit, dispatch_uid="search_credit_saved")
@receiver(post_delete, sender=Credit, dispatch_uid="search_credit_deleted")
def credit_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        indexing.reindex_post(instance.post_id)


@receiver(m2m_changed, sender=TaggedPost, dispatch_uid="search_topics_changed")
def topics_changed(sender, instance, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, Post):
        indexing.reindex_post(instance.pk)


@receiver(post_save, sender=Topic, dispatch_uid="search_topic_saved")
def topic_saved(sender, instance, created, raw=False, **kwargs):
    if not (created or raw):
        indexing.mark_stale(indexing.posts_tagged(instance.pk))
        tasks.queue_reindex()


@receiver(post_save, sender=Person, dispatch_uid="search_person_saved")
def person_saved(sender, instance, created, raw=False, **kwargs):
    if not (created or raw):
        indexing.mark_stale(indexing.posts_naming_person(instance.pk))
        tasks.queue_reindex()


@receiver(post_delete, sender=TaggedPost, dispatch_uid="search_tagging_deleted")
def tagging_deleted(sender, instance, **kwargs):
    # A deleted topic takes its taggings with it (a cascade sends no m2m_changed),
    # perhaps thousands: each post is only marked here.
    indexing.mark_stale(
        Post.objects.filter(pk=instance.content_object_id).values_list("pk", flat=True)
    )
    tasks.queue_reindex()
