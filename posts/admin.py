from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify
from taggit.models import Tag

from posts import roles, workflow
from posts.admin_revisions import LockedOnLivePostInline, PostRevisionsAdminMixin
from posts.linkcheck.admin import LinkReportAdminMixin
from posts.media.widgets import LibraryImageField
from posts.models import WORDS_PER_MINUTE, Credit, Post, Resource, ReviewEvent, Topic
from posts.previews.admin import PreviewAdminMixin
from posts.search import search_ids
from posts.search.query import parse

# Topics are our own tag model; taggit's generic Tag admin would be an empty twin.
admin.site.unregister(Tag)


class CreditInline(LockedOnLivePostInline, admin.StackedInline):
    """One card per credit, its fields wrapping to the width (no sideways scrolling at 390 px).

    There is no order box: credits print in the order their rows are listed, new rows last
    (PostAdmin.save_formset numbers them).
    """

    model = Credit
    extra = 1
    autocomplete_fields = ["person"]
    fields = [("role", "person", "role_title"), ("anonymous", "public_label")]
    verbose_name = "author or contact"
    verbose_name_plural = "authors and contacts"


class ResourceInline(LockedOnLivePostInline, admin.StackedInline):
    model = Resource
    extra = 0
    fields = ["kind", "title", "description", "url", "document", "doi"]
    # A search box over the document library (bounded, paginated), with "+" to upload one.
    autocomplete_fields = ["document"]
    verbose_name_plural = "resources (toolkits, reports, articles, links)"


def number_rows_in_listed_order(formset):
    """Set each saved row's `order` from its place in the form: what staff see is what prints."""
    deleted = set(map(id, formset.deleted_forms))
    rows = [
        form.instance
        for form in formset.forms
        if form.instance.pk is not None and id(form) not in deleted
    ]
    for position, row in enumerate(rows):
        if row.order != position:
            row.order = position
            row.save(update_fields=["order"])


def topic_names(text):
    """The distinct names in a comma-separated list, in the order typed."""
    names = {}
    for name in text.split(","):
        name = " ".join(name.split())
        if name:
            names.setdefault(name.casefold(), name)
    return list(names.values())


class PostAdminForm(forms.ModelForm):
    """Topics as an autocomplete box instead of taggit's comma-separated text field."""

    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Post._meta.get_field("topics"), admin.site),
        help_text="Start typing to find a topic. For a topic that does not exist yet, use "
        "New topics below.",
    )
    new_topics = forms.CharField(
        label="New topics",
        required=False,
        max_length=500,
        help_text="Topics that do not exist yet, separated by commas, e.g. ‘Housing, Peer "
        "support’. Each is created when you save, with its own page on the site once a "
        "published post has it.",
    )
    hero_image = LibraryImageField(
        required=False,
        label="Image",
        help_text="Shown at the top of the post and when it is shared. Its description, "
        "caption and credit come from the media library.",
    )
    # Set by PostAdmin.get_form from the user's posts.add_topic permission.
    may_add_topics = False

    class Meta:
        model = Post
        # Every model field but `topics`, which is set from the autocomplete in save_related.
        fields = [
            "title", "slug", "standfirst", "body", "status", "published_at", "featured",
            "hero_image", "hero_image_alt", "content_note", "doi", "seo_title", "seo_description",
        ]  # fmt: skip

    review_comment = forms.CharField(
        label="Comment for the review",
        required=False,
        max_length=workflow.MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sent with the change of status: what needs changing when you send a post "
        "back to its writer (required then), or a note for the editors when you submit.",
    )

    # The signed-in user, set by PostAdmin.get_form: the status choices are theirs.
    user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["topics"] = list(self.instance.topics.values_list("pk", flat=True))
        if "hero_image" in self.fields:  # absent when read-only (view-only staff)
            self.fields["hero_image"].offer(self.instance.hero_image_id)
        if "status" in self.fields and self.user is not None:
            # Offer only the steps this user may take; clean() refuses any other posted.
            offered = {self.instance.status, *workflow.allowed_targets(self.user, self.instance)}
            status = self.fields["status"]
            status.widget.choices = [c for c in status.choices if c[0] in offered]

        # For the live word count (static/js/admin-word-count.js), as the page counts.
        if "body" in self.fields:  # absent when read-only (view-only staff)
            self.fields["body"].widget.attrs["data-words-per-minute"] = WORDS_PER_MINUTE

    def clean(self):
        cleaned = super().clean()
        # self.instance still holds the stored values here (the form copies its
        # values onto it after clean), so the workflow judges the real state.
        stored_status = self.instance.status
        target = cleaned.get("status", stored_status)
        comment = cleaned.get("review_comment", "")
        date_changed = "published_at" in self.changed_data and self.instance.pk
        if target != stored_status or (stored_status == Post.Status.PUBLISHED and date_changed):
            try:
                workflow.check(self.user, self.instance, target, comment=comment)
            except workflow.TransitionRefused as refused:
                field = "status" if target != stored_status else "published_at"
                self.add_error(field, refused.message)
        return cleaned

    def clean_new_topics(self):
        names = topic_names(self.cleaned_data["new_topics"])
        if names and not self.may_add_topics:
            raise forms.ValidationError(
                "You may not add topics. Choose existing ones above, or ask an editor to add it."
            )
        max_length = Topic._meta.get_field("name").max_length
        for name in names:
            if len(name) > max_length:
                raise forms.ValidationError(
                    f"“{name[:40]}…” is too long for a topic: {max_length} characters at most."
                )
            if not slugify(name):
                raise forms.ValidationError(
                    f"“{name}” needs some letters or digits to make its web address."
                )
        return names


class StateFilter(admin.SimpleListFilter):
    """Every state a post can be in, Scheduled told apart from live."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("in_review", "In review"),
            ("scheduled", "Scheduled"),
            ("live", "Published (live)"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "draft":
                return queryset.filter(status=Post.Status.DRAFT)
            case "in_review":
                return queryset.filter(status=Post.Status.IN_REVIEW)
            case "scheduled":
                return queryset.filter(status=Post.Status.PUBLISHED, published_at__gt=now)
            case "live":
                return queryset.filter(status=Post.Status.PUBLISHED, published_at__lte=now)
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = "writer"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", "Mine")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(created_by=request.user)
        return queryset


@admin.register(Post)
class PostAdmin(LinkReportAdminMixin, PostRevisionsAdminMixin, PreviewAdminMixin, admin.ModelAdmin):
    form = PostAdminForm
    inlines = [CreditInline, ResourceInline]
    list_display = ["title", "status_label", "published_at", "authors", "topic_names", "featured"]
    list_filter = [StateFilter, MineFilter, "featured", "topics", "published_at"]
    search_fields = ["title", "standfirst", "credits__person__name"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    list_per_page = 50
    actions = ["publish_now", "make_draft", "submit_for_review"]
    save_on_top = True

    class Media:
        css = {"all": ["css/admin.css", "css/admin-post-form.css"]}
        js = ["js/admin-word-count.js", "js/admin-accessible-names.js"]

    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body", "topics", "new_topics"]}),
        ("Publishing", {"fields": ["status", "published_at", "review_comment", "featured"]}),
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
            .select_related("created_by")
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

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model in (Credit, Resource):
            number_rows_in_listed_order(formset)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Not on a live post, whose text (and so its topics) is read-only: edits go
        # through its working draft (posts.drafts).
        if "topics" in form.cleaned_data:
            topics = list(form.cleaned_data["topics"])
            # Asked again here: the form refuses new topics without the permission too.
            if request.user.has_perm("posts.add_topic"):
                for name in form.cleaned_data.get("new_topics", []):
                    topic = Topic.objects.filter(name__iexact=name).first()
                    # TagBase.save gives a new topic a unique slug made from its name.
                    topics.append(topic or Topic.objects.create(name=name))
            form.instance.topics.set(topics)
        self._apply_workflow_step(request, form)

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

    # --- roles and the review workflow (posts.roles, posts.workflow) ---------------------

    def has_change_permission(self, request, obj=None):
        # Writers change only their own drafts; a post in review or live is the editors'.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or workflow.may_edit(request.user, obj))

    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm(workflow.PUBLISH)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        attrs = {"user": request.user, "may_add_topics": request.user.has_perm("posts.add_topic")}
        return type(form.__name__, (form,), attrs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        if not self.has_change_permission(request, obj):
            # Read-only: a comment box that cannot be sent would only confuse.
            fieldsets = [
                (
                    name,
                    {**options, "fields": [f for f in options["fields"] if f != "review_comment"]},
                )
                for name, options in fieldsets
            ]
        return [*fieldsets, ("Review", {"fields": ["writer", "review_timeline"]})]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "writer", "review_timeline"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        post = self.get_object(request, object_id)
        note = ""
        if post is not None and not self.has_change_permission(request, post):
            note = read_only_note(request.user, post)
        return super().change_view(
            request, object_id, form_url, {"workflow_note": note, **(extra_context or {})}
        )

    def save_model(self, request, obj, form, change):
        """Save the content as the post stands; the status change is save_related's step.

        The form has copied the requested status (and date) onto `obj`; they are put
        back as stored, so that only workflow.move, after the credits and topics are
        saved, changes what the public sees.
        """
        stored = {"status": Post.Status.DRAFT, "published_at": None}
        if change:
            # A working draft's form has no publishing fields: its own values stand.
            stored = {
                "status": form.initial.get("status", obj.status),
                "published_at": form.initial.get("published_at", obj.published_at),
            }
        target = {"status": obj.status, "published_at": obj.published_at}
        obj.status = stored["status"]
        if obj.status == Post.Status.PUBLISHED:
            obj.published_at = stored["published_at"]
        if not change:
            obj.created_by = request.user
        changes_status = target["status"] != obj.status
        # changed_data compares to the second, as the date is shown and typed.
        reschedules = obj.status == Post.Status.PUBLISHED and "published_at" in form.changed_data
        form.workflow_step = target if changes_status or reschedules else None
        super().save_model(request, obj, form, change)

    def _apply_workflow_step(self, request, form):
        step = getattr(form, "workflow_step", None)
        if step is None:
            return
        post = form.instance
        kwargs = {
            "comment": form.cleaned_data.get("review_comment", ""),
            "base_url": request.build_absolute_uri("/"),
        }
        if step["status"] == Post.Status.PUBLISHED:
            kwargs["published_at"] = step["published_at"]
        # Checked again inside, against the row as locked: a refusal now (the form was
        # valid a moment ago) raises, and the request's transaction keeps nothing.
        try:
            workflow.move(post, step["status"], request.user, **kwargs)
        except workflow.TransitionRefused as refused:
            raise PermissionDenied(refused.message) from refused

    @admin.display(description="history")
    def review_timeline(self, post):
        events = post.review_events.select_related("by")[:TIMELINE_LENGTH]
        if not events:
            return "No review steps yet."
        return format_html(
            '<ol class="review-timeline">{}</ol>',
            format_html_join(
                "",
                '<li><strong>{} → {}</strong>, by {}, <time datetime="{}">{}</time>{}</li>',
                (
                    (
                        event.get_from_status_display(),
                        event.get_to_status_display(),
                        _name(event.by),
                        event.at.isoformat(),
                        date_format(timezone.localtime(event.at), "j M Y, H:i"),
                        format_html("<blockquote>{}</blockquote>", event.comment)
                        if event.comment
                        else "",
                    )
                    for event in events
                ),
            ),
        )

    @admin.display(description="writer", ordering="created_by__username")
    def writer(self, post):
        return _name(post.created_by) if post.created_by_id else "—"

    @admin.action(description="Publish selected posts now", permissions=["publish"])
    def publish_now(self, request, queryset):
        # Warn first if a post differs from the version its contributor agreed to.
        if (confirmation := self.confirm_publishing(request, list(queryset))) is not None:
            return confirmation
        self._step_each(request, queryset, "Published", workflow.publish)

    @admin.action(description="Unpublish selected posts (back to draft)", permissions=["publish"])
    def make_draft(self, request, queryset):
        self._step_each(request, queryset, "Returned to draft", workflow.unpublish)

    @admin.action(description="Submit selected drafts for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._step_each(request, queryset, "Submitted for review", workflow.submit)

    def _step_each(self, request, queryset, done, step):
        """Take one workflow step for each selected post; name those refused, and why."""
        count, refused = 0, []
        base_url = request.build_absolute_uri("/")
        for post in queryset:
            try:
                step(post, request.user, base_url=base_url)
                count += 1
            except workflow.TransitionRefused as reason:
                refused.append(f"“{post.title}”: {reason.message}")
        self.message_user(request, f"{done}: {count} post(s).")
        if refused:
            self.message_user(
                request,
                f"{len(refused)} post(s) left as they were. " + " ".join(refused),
                messages.WARNING,
            )


TIMELINE_LENGTH = 50


def read_only_note(user, post):
    """Why this user sees the post read-only, and what they can do instead."""
    if post.status == Post.Status.IN_REVIEW:
        return "This post is waiting for review: only editors can change it now."
    if post.status == Post.Status.PUBLISHED:
        return "This post is published: only editors can change it."
    if user.has_perm(workflow.CHANGE):
        return "This draft belongs to another writer: only they and the editors can change it."
    return ""


def _name(user):
    if user is None:
        return "a former member of staff"
    return user.get_full_name() or user.get_username()


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "quick_exit"]
    list_filter = ["quick_exit"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


# --- roles: what the user and group pages offer (posts.roles) ----------------------------

admin.site.hide_permissions(
    # Filled by the code: the search index, the tagging rows behind a post's topics and
    # the review history (written by posts.workflow only).
    "posts.searchdocument",
    "posts.searchterm",
    "posts.searchpending",
    "posts.taggedpost",
    "posts.reviewevent",
)
admin.site.group_descriptions.update(roles.GROUP_DESCRIPTIONS)


# --- the staff home panel: waiting for review, scheduled next ----------------------------

PANEL_ROWS = 5


def review_panel(request):
    """Posts waiting for review (longest first) and the next scheduled, for the admin index."""
    if not request.user.has_perm("posts.view_post"):
        return None
    submitted = ReviewEvent.objects.filter(
        post=OuterRef("pk"), to_status=Post.Status.IN_REVIEW
    ).order_by("-at", "-pk")
    in_review = Post.objects.filter(status=Post.Status.IN_REVIEW)
    waiting = list(
        in_review.annotate(
            submission=Subquery(submitted.values("pk")[:1]),
            submitted_on=Subquery(submitted.values("at")[:1]),
        )
        .only("pk", "title")
        .order_by("submitted_on", "pk")[:PANEL_ROWS]
    )
    submissions = ReviewEvent.objects.select_related("by").in_bulk(
        [post.submission for post in waiting if post.submission]
    )
    for post in waiting:
        event = submissions.get(post.submission)
        post.submitted_by = _name(event.by) if event else "—"
        post.submitted_at = event.at if event else None
    now = timezone.now()
    scheduled = Post.objects.filter(status=Post.Status.PUBLISHED, published_at__gt=now)
    changelist = reverse("admin:posts_post_changelist")
    return {
        "waiting": waiting,
        "waiting_count": in_review.count(),
        "waiting_url": f"{changelist}?state=in_review",
        "scheduled": list(
            scheduled.only("pk", "title", "published_at").order_by("published_at")[:PANEL_ROWS]
        ),
        "scheduled_count": scheduled.count(),
        "scheduled_url": f"{changelist}?state=scheduled",
    }


admin.site.add_index_panel("admin/posts/review_panel.html", review_panel)
