from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.html import format_html_join
from taggit.models import Tag

from posts.media.widgets import LibraryImageField
from posts.models import Credit, Post, Resource, Topic
from posts.search import search_ids
from posts.search.query import parse

# Topics are our own tag model; taggit's generic Tag admin would be an empty twin.
admin.site.unregister(Tag)


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 1
    autocomplete_fields = ["person"]
    fields = ["order", "role", "person", "role_title", "anonymous", "public_label"]
    verbose_name = "author or contact"
    verbose_name_plural = "authors and contacts"


class ResourceInline(admin.StackedInline):
    model = Resource
    extra = 0
    fields = [("kind", "order"), "title", "description", "url", "document", "doi"]
    # A search box over the document library (bounded, paginated), with "+" to upload one.
    autocomplete_fields = ["document"]
    verbose_name_plural = "resources (toolkits, reports, articles, links)"


class PostAdminForm(forms.ModelForm):
    """Topics as an autocomplete box instead of taggit's comma-separated text field."""

    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Post._meta.get_field("topics"), admin.site),
        help_text="Start typing to find a topic. New topics are added under Topics.",
    )
    hero_image = LibraryImageField(
        required=False,
        label="Image",
        help_text="Shown at the top of the post and when it is shared. Its description, "
        "caption and credit come from the media library.",
    )

    class Meta:
        model = Post
        # Every model field but `topics`, which is set from the autocomplete in save_related.
        fields = [
            "title", "slug", "standfirst", "body", "status", "published_at", "featured",
            "hero_image", "hero_image_alt", "content_note", "doi", "seo_title", "seo_description",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["topics"] = list(self.instance.topics.values_list("pk", flat=True))
        self.fields["hero_image"].offer(self.instance.hero_image_id)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    inlines = [CreditInline, ResourceInline]
    list_display = ["title", "status_label", "published_at", "authors", "topic_names", "featured"]
    list_filter = ["status", "featured", "topics", "published_at"]
    search_fields = ["title", "standfirst", "credits__person__name"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    list_per_page = 50
    actions = ["publish_now", "make_draft"]
    save_on_top = True

    class Media:
        css = {"all": ["css/admin.css"]}

    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body", "topics"]}),
        ("Publishing", {"fields": ["status", "published_at", "featured"]}),
        ("Image", {"fields": ["hero_image", "hero_image_alt"], "classes": ["collapse"]}),
        (
            "More options",
            {
                "fields": ["content_note", "doi", "seo_title", "seo_description"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "credits",
                    queryset=Credit.objects.filter(role=Credit.Role.AUTHOR).select_related(
                        "person"
                    ),
                    to_attr="author_credits",
                ),
                "topics",
            )
        )

    def get_search_results(self, request, queryset, search_term):
        """Published posts through the site's search engine; unpublished ones by their words.

        The search index holds only what the public may see, so drafts and scheduled posts
        are matched here by every query word appearing in their title, standfirst or a
        credited person's name (anonymous ones too: staff may know who wrote it).
        """
        parsed = parse(search_term)
        if not parsed:
            return queryset, False
        unpublished = ~Q(pk__in=Post.objects.published().values("pk"))
        for group in parsed.groups:
            either = Q()
            for term in group:
                text = term.text
                either |= (
                    Q(title__icontains=text)
                    | Q(standfirst__icontains=text)
                    | Q(pk__in=Credit.objects.filter(person__name__icontains=text).values("post"))
                )
            unpublished &= either
        found = queryset.filter(Q(pk__in=search_ids(search_term)) | unpublished)
        return found, False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.topics.set(form.cleaned_data["topics"])

    @admin.display(description="status", ordering="status")
    def status_label(self, post):
        if post.is_scheduled:
            return "Scheduled"
        return post.get_status_display()

    @admin.display(description="authors")
    def authors(self, post):
        # Staff see who wrote anonymous posts; the label says it is hidden publicly.
        return format_html_join(
            ", ",
            "{}{}",
            (
                (
                    c.person.name if c.person else c.public_label,
                    " (anonymous)" if c.anonymous else "",
                )
                for c in post.author_credits
            ),
        )

    @admin.display(description="topics")
    def topic_names(self, post):
        return ", ".join(topic.name for topic in post.topics.all())

    # Publishing needs the change permission (a separate "publish" one may follow). The
    # bodies ask again for each post, for permissions that depend on the post.
    @admin.action(description="Publish selected posts now", permissions=["change"])
    def publish_now(self, request, queryset):
        now = timezone.now()
        count = 0
        for post in self._changeable(request, queryset):
            post.status = Post.Status.PUBLISHED
            post.published_at = post.published_at or now
            post.save()
            count += 1
        self.message_user(request, f"Published {count} post(s).")

    @admin.action(description="Return selected posts to draft", permissions=["change"])
    def make_draft(self, request, queryset):
        count = 0
        for post in self._changeable(request, queryset):
            post.status = Post.Status.DRAFT
            post.save()
            count += 1
        self.message_user(request, f"Returned {count} post(s) to draft.")

    def _changeable(self, request, queryset):
        """The selected posts this user may change; the others are named in a warning."""
        allowed, refused = [], []
        for post in queryset:
            (allowed if self.has_change_permission(request, post) else refused).append(post)
        if refused:
            self.message_user(
                request,
                f"{len(refused)} post(s) left as they were: you are not allowed to change "
                + ", ".join(f"“{post.title}”" for post in refused),
                messages.WARNING,
            )
        return allowed


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "quick_exit"]
    list_filter = ["quick_exit"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
