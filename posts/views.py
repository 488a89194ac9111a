from django.conf import settings
from django.db.models import Count, Prefetch, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.generic import DetailView, ListView

from flse_hub.caching import content_state
from flse_hub.renditions.lookup import share_image_url
from people.models import Person
from posts import archive
from posts.citations import Citation, cited_authors
from posts.forms import PostFilterForm
from posts.models import Credit, Post, Resource, Topic, publicly_credited_people
from posts.structured_data import blog_posting

POSTS_PER_PAGE = 10


def home(request):
    # Which posts, kept per content version: finding the newest featured ones walks every
    # post when few are featured. The page then reads those few by primary key.
    def featured_and_newest():
        published = Post.objects.published()
        featured = list(published.filter(featured=True).values_list("pk", flat=True)[:2])
        newest = published.exclude(pk__in=featured).values_list("pk", flat=True)[:6]
        return featured, list(newest)

    featured_ids, newest_ids = archive.cached(request, "home", featured_and_newest)
    # Checked on the instances: beside published() in SQL, SQLite's planner walked the
    # (status, published_at) index instead of reading eight rows by primary key.
    posts = {
        post.pk: post
        for post in Post.objects.with_card_data().filter(pk__in=[*featured_ids, *newest_ids])
        if post.is_published
    }
    context = {
        "featured_posts": [posts[pk] for pk in featured_ids if pk in posts],
        "latest_posts": [posts[pk] for pk in newest_ids if pk in posts],
        "topics": archive.topics(request),
    }
    return render(request, "posts/home.html", context)


class PublishedPostsMixin:
    paginate_by = POSTS_PER_PAGE

    def get_queryset(self):
        return Post.objects.published().with_card_data()

    def archive_filter(self):
        """Names the filter get_queryset() applies, for the paginator's cached figures."""
        return "all"

    def get_paginator(self, queryset, per_page, **kwargs):
        return archive.ArchivePaginator(
            queryset, per_page, request=self.request, name=self.archive_filter(), **kwargs
        )


class PostListView(PublishedPostsMixin, ListView):
    template_name = "posts/post_list.html"

    def get(self, request, *args, **kwargs):
        self.filters = PostFilterForm(request.GET)
        if not self.filters.is_valid():
            return render(
                request, "posts/post_list_invalid.html", {"form": self.filters}, status=400
            )
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        posts = super().get_queryset()
        if topic := self.filters.cleaned_data["topic"]:
            posts = posts.filter(topics=topic)
        if year := self.filters.cleaned_data["year"]:
            posts = posts.filter(published_at__year=year)
        return posts

    def archive_filter(self):
        topic = self.filters.cleaned_data["topic"]
        return f"topic={topic.pk if topic else ''}&year={self.filters.cleaned_data['year'] or ''}"

    def get_context_data(self, **kwargs):
        topic = self.filters.cleaned_data["topic"]
        year = self.filters.cleaned_data["year"]
        # The form shows the filters in force, even one that matches no post (a year
        # with none, a topic whose posts are all drafts): otherwise its box reads
        # "Any year" under a heading that says "from 2021".
        years = set(archive.years(self.request))
        if year:
            years.add(year)
        topics = archive.topics(self.request)
        if topic and topic not in topics:
            topic.post_count = 0
            topics = sorted([*topics, topic], key=lambda t: t.name)
        filters = self.request.GET.copy()
        filters.pop("page", None)
        return super().get_context_data(
            query_string=filters.urlencode(),
            topic=topic,
            year=year,
            years=sorted(years, reverse=True),
            topics=topics,
            **kwargs,
        )


class PostDetailView(DetailView):
    template_name = "posts/post_detail.html"
    context_object_name = "post"

    def get_queryset(self):
        posts = Post.objects.all() if self.may_preview() else Post.objects.published()
        # By primary key: given the slug beside the visibility filter, SQLite's planner
        # walked the (status, published_at) index over every post (116 ms at 10,000).
        # A working draft shares its live post's slug (posts.drafts): never it.
        by_slug = Post.objects.filter(slug=self.kwargs["slug"], draft_of=None).values("pk")[:1]
        return (
            posts.filter(pk=Subquery(by_slug))
            .select_related("hero_image")
            .prefetch_related(
                "topics",
                Prefetch("resources", queryset=Resource.objects.select_related("document")),
                Prefetch("credits", queryset=Credit.objects.select_related("person")),
            )
        )

    def may_preview(self):
        """Drafts and scheduled posts, for staff the admin would show them to.

        As the admin's change list and "View on site" ask: being staff is not enough.
        """
        user = self.request.user
        return (
            user.is_active
            and user.is_staff
            and (user.has_perm("posts.view_post") or user.has_perm("posts.change_post"))
        )

    def get_context_data(self, **kwargs):
        post = self.object
        credits = list(post.credits.all())
        topic_ids = [topic.pk for topic in post.topics.all()]
        related = (
            Post.objects.published()
            .filter(topics__in=topic_ids)
            .exclude(pk=post.pk)
            .annotate(shared_topics=Count("pk"))
            .order_by("-shared_topics", "-published_at")
            .with_card_data()[:3]
            if topic_ids
            else Post.objects.none()
        )
        authors = [c for c in credits if c.role == Credit.Role.AUTHOR]
        url = self.request.build_absolute_uri(post.get_absolute_url())
        image_url = (
            self.request.build_absolute_uri(share_image_url(post.hero_image.file))
            if post.hero_image
            else ""
        )
        # A staff preview of a draft has no date to cite or describe yet.
        published = post.is_published
        citation = Citation(post, cited_authors(post, credits), url) if published else None
        return super().get_context_data(
            authors=authors,
            contacts=[c for c in credits if c.role == Credit.Role.CONTACT],
            related_posts=related,
            related_posts_version="{}:{}".format(*content_state(self.request)),
            citation=citation,
            image_url=image_url,
            structured_data=blog_posting(post, authors, url, image_url) if published else None,
            quick_exit=any(topic.quick_exit for topic in post.topics.all()),
            exit_url=settings.EXIT_THIS_PAGE_URL,
            **kwargs,
        )


def topic_index(request):
    return render(request, "posts/topic_index.html", {"topics": archive.topics(request)})


class TopicDetailView(PublishedPostsMixin, ListView):
    template_name = "posts/topic_detail.html"

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, slug=self.kwargs["slug"])
        return super().get_queryset().filter(topics=self.topic)

    def archive_filter(self):
        return f"topic={self.topic.pk}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(topic=self.topic, **kwargs)


class PersonDetailView(PublishedPostsMixin, ListView):
    template_name = "posts/person_detail.html"

    def get_queryset(self):
        # Who has a page, kept per content version: asking per request reads every
        # published post. Still one query whether the slug is unknown or the person's
        # only work is anonymous (posts.models.publicly_credited_people).
        public = archive.cached(
            self.request,
            "public-people",
            lambda: list(publicly_credited_people().values_list("pk", flat=True)),
        )
        self.person = get_object_or_404(
            Person.objects.filter(pk__in=public), slug=self.kwargs["slug"]
        )
        return super().get_queryset().credited_publicly_to(self.person)

    def archive_filter(self):
        return f"person={self.person.pk}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(person=self.person, **kwargs)


CITATION_FORMATS = {
    # format: (Citation method, Content-Type, file extension)
    "bibtex": ("bibtex", "application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("ris", "application/x-research-info-systems; charset=utf-8", "ris"),
}


def cite(request, slug, fmt):
    """A public post's citation as a file for a reference manager."""
    post = get_object_or_404(
        Post.objects.published().prefetch_related(
            Prefetch("credits", queryset=Credit.objects.select_related("person"))
        ),
        slug=slug,
    )
    method, content_type, extension = CITATION_FORMATS[fmt]
    citation = Citation(
        post,
        cited_authors(post, post.credits.all()),
        request.build_absolute_uri(post.get_absolute_url()),
    )
    response = HttpResponse(getattr(citation, method)(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{post.slug}.{extension}"'
    return response
