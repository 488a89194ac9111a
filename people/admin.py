from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from people import digest, sending, services
from people.exports import write_csv
from people.models import Delivery, NewsletterIssue, Person, Subscriber, SuppressedAddress
from people.tasks import send_test_issue
from people.topics import topic_choices, topic_names


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "email", "show_email"]
    list_filter = ["show_email"]
    search_fields = ["name", "job_title", "email"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "job_title", "bio"]}),
        ("Photo", {"fields": ["photo", "photo_alt"]}),
        ("Contact", {"fields": ["email", "show_email"]}),
    ]


def _topics_text(subscriber, names):
    return ", ".join(names.get(i.topic_slug, i.topic_slug) for i in subscriber.interests.all())


class TopicFilter(admin.SimpleListFilter):
    title = "topic"
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        return topic_choices()

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(interests__topic_slug=self.value())
        return queryset


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Only newsletter managers (and superusers) have the permissions that show this."""

    list_display = [
        "email",
        "name",
        "status",
        "topic_list",
        "consented_at",
        "confirmed_at",
        "delivery",
    ]
    list_filter = [
        "status",
        TopicFilter,
        ("consented_at", admin.DateFieldListFilter),
        ("confirmed_at", admin.DateFieldListFilter),
    ]
    search_fields = ["email", "name"]
    date_hierarchy = "consented_at"
    actions = ["export_csv", "erase"]
    fields = [
        "email",
        "name",
        "status",
        "topic_list",
        "consented_at",
        "consent_version",
        "consent_text",
        "source_page",
        "confirmation_requested_at",
        "confirmation_sent_at",
        "confirmation_failed_at",
        "confirmation_error",
        "confirmation_attempts",
        "requested_by",
        "sending_since",
        "confirmed_at",
        "unsubscribed_at",
        "created_at",
        "permanent_failures",
        "bounced_at",
    ]
    # Consent is the subscriber's own act: staff may correct a name, nothing else.
    readonly_fields = [field for field in fields if field != "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("interests")

    def has_add_permission(self, request):
        # Subscribers come only through double opt-in, never typed in by staff.
        return False

    def has_export_permission(self, request):
        return request.user.has_perm("people.export_subscriber")

    @admin.display(description="topics")
    def topic_list(self, subscriber):
        return _topics_text(subscriber, topic_names())

    def get_list_display(self, request):
        # Topic names come from one query per page, not one per row.
        names = topic_names()

        @admin.display(description="topics")
        def topics(subscriber):
            return _topics_text(subscriber, names)

        return [topics if column == "topic_list" else column for column in self.list_display]

    @admin.display(description="consent statement")
    def consent_text(self, subscriber):
        return subscriber.consent_wording

    @admin.display(description="confirmation email")
    def delivery(self, subscriber):
        if subscriber.status != Subscriber.Status.PENDING:
            return "—"
        if not subscriber.confirmation_due:
            return "sent"
        if subscriber.confirmation_failed_at:
            return "failed, will retry"
        if subscriber.sending_since:
            return "sending"
        return "waiting"

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        # Deleting must keep the suppression hash: the erase action does both.
        actions.pop("delete_selected", None)
        return actions

    # The export permission is for the whole list; the rows are still asked about one by
    # one (export what the user may view, erase what they may delete), for permissions
    # that depend on the row.
    @admin.action(description="Export selected subscribers as CSV", permissions=["export"])
    def export_csv(self, request, queryset):
        hidden = [
            s.pk
            for s in queryset.iterator(chunk_size=2000)
            if not self.has_view_or_change_permission(request, s)
        ]
        if hidden:
            queryset = queryset.exclude(pk__in=hidden)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        response["Content-Disposition"] = (
            f'attachment; filename="newsletter-subscribers-{stamp}.csv"'
        )
        write_csv(queryset, response)
        return response

    @admin.action(
        description="Erase selected people's data (keeps only a hash of the address)",
        permissions=["delete"],
    )
    def erase(self, request, queryset):
        count = services.erase(s for s in queryset if self.has_delete_permission(request, s))
        self.message_user(
            request,
            ngettext(
                "Erased %(count)d subscriber. Their address is kept only as a hash, so "
                "they cannot be re-added without signing up again themselves.",
                "Erased %(count)d subscribers. Their addresses are kept only as hashes, so "
                "they cannot be re-added without signing up again themselves.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def delete_model(self, request, obj):
        services.erase([obj])

    def delete_queryset(self, request, queryset):
        services.erase(queryset)


@admin.register(SuppressedAddress)
class SuppressedAddressAdmin(admin.ModelAdmin):
    list_display = ["__str__", "erased_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# A subscriber's topics are rows of their own, edited through the subscriber: not a
# permission to give anyone (flse_hub.admin's permission picker).
admin.site.hide_permissions("people.interest")


# The newsletter: composing, previewing, sending ----------------------------------------


class NewsletterIssueForm(forms.ModelForm):
    posts = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ticked at first: the posts published since the last issue went out. "
        "Each subscriber gets those matching the topics they chose (all of them if they "
        "chose none); someone with no match gets no email.",
    )

    class Meta:
        model = NewsletterIssue
        fields = ["subject", "slug", "introduction"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = list(self.instance.items.all()) if self.instance.pk else []
        offered = digest.published_posts(limit=POSTS_OFFERED)
        known = {post.post_id for post in offered}
        # Chosen posts stay listed even when older than the newest POSTS_OFFERED.
        choices = [(i.post_id, i.title) for i in chosen if i.post_id not in known]
        choices += [(post.post_id, _post_label(post)) for post in offered]
        self.fields["posts"].choices = choices
        self.fields["posts"].initial = (
            [i.post_id for i in chosen] if self.instance.pk else digest.new_post_ids()
        )

    def clean_subject(self):
        subject = self.cleaned_data["subject"]
        if digest.one_line(subject) != subject.strip():
            raise forms.ValidationError("The subject must be one line of text.")
        return subject.strip()

    def clean(self):
        cleaned = super().clean()
        # Started since this form was opened (another manager, another tab)? Locked until
        # the admin's transaction ends, so a Start now waits for this save, and this save
        # cannot follow a Start: a sending issue's posts and text are what was sent.
        if self.instance.pk and not (
            NewsletterIssue.objects.select_for_update()
            .filter(pk=self.instance.pk, status=NewsletterIssue.Status.DRAFT)
            .exists()
        ):
            raise forms.ValidationError(
                "This issue has been started since you opened it, so it can no longer be "
                "changed. Nothing you typed was saved; reload the page to see its progress."
            )
        return cleaned


POSTS_OFFERED = 60


def _post_label(post):
    when = f"{post.published_at:%d %b %Y}" if post.published_at else ""
    return f"{post.title} ({when})" if when else post.title


def _csp_for_email_preview(view):
    # The email's HTML styles itself inline, as mail clients need; this one response may
    # apply inline styles and nothing else (no script, no image, no form), sandboxed.
    return csp_override(
        {
            "default-src": [CSP.NONE],
            "style-src": [CSP.UNSAFE_INLINE],
            "base-uri": [CSP.NONE],
            "form-action": [CSP.NONE],
            "frame-ancestors": [CSP.NONE],
            "sandbox": ["allow-popups", "allow-popups-to-escape-sandbox"],
        }
    )(view)


@admin.register(NewsletterIssue)
class NewsletterIssueAdmin(admin.ModelAdmin):
    """Compose in a draft; preview, test, start, pause and resume from its page.

    Every button is a POST to a view of its own that checks the permission itself:
    send_newsletterissue for anything that sends, view for the preview.
    """

    form = NewsletterIssueForm
    change_form_template = "admin/people/newsletterissue/change_form.html"
    list_display = ["subject", "status", "created_at", "started_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject"]
    prepopulated_fields = {"slug": ["subject"]}
    fields = ["subject", "slug", "introduction", "posts"]

    class Media:
        css = {"all": ["css/admin-newsletter.css"]}

    def has_change_permission(self, request, obj=None):
        # Once sending starts, the issue is a record of what was sent.
        if obj is not None and not obj.editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.editable:
            return False
        return super().has_delete_permission(request, obj)

    def has_send_permission(self, request):
        return request.user.has_perm("people.send_newsletterissue")

    def get_fields(self, request, obj=None):
        if obj is not None and not obj.editable:
            return ["subject", "slug", "status", "introduction_as_sent", "chosen_posts"]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.editable:
            return self.get_fields(request, obj)
        return []

    @admin.display(description="introduction")
    def introduction_as_sent(self, issue):
        # Sanitised when it was saved (flse_hub.rich_text): shown as it reads in the email.
        return mark_safe(issue.introduction)  # noqa: S308

    @admin.display(description="posts")
    def chosen_posts(self, issue):
        return format_html_join(mark_safe("<br>"), "{}", ((i.title,) for i in issue.items.all()))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.save()
        else:
            # The form's own fields only: status, start time and batch token belong to the
            # sending steps, never to a form that loaded them earlier.
            obj.save(update_fields=form.Meta.fields)
        digest.set_posts(obj, form.cleaned_data["posts"])

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path("<int:pk>/preview/", wrap(self.preview_view), name="people_issue_preview"),
            path("<int:pk>/test/", wrap(self.test_view), name="people_issue_test"),
            path("<int:pk>/start/", wrap(self.start_view), name="people_issue_start"),
            path("<int:pk>/pause/", wrap(self.pause_view), name="people_issue_pause"),
            path("<int:pk>/resume/", wrap(self.resume_view), name="people_issue_resume"),
            *super().get_urls(),
        ]

    def _issue(self, request, pk, *, send=False):
        issue = get_object_or_404(NewsletterIssue, pk=pk)
        if not self.has_view_permission(request, issue):
            raise PermissionDenied
        if send and not self.has_send_permission(request):
            raise PermissionDenied
        return issue

    def _subscriber_asked_about(self, request):
        """The subscriber named in ?subscriber= (None, or an error message)."""
        raw = request.GET.get("subscriber", "").strip()[:254]
        if not raw:
            return None, None
        if not request.user.has_perm("people.view_subscriber"):
            raise PermissionDenied
        subscriber = (
            Subscriber.objects.for_email(raw).prefetch_related("interests").first()
            if "@" in raw
            else None
        )
        if subscriber is None:
            return None, f"No subscriber has the address {raw}."
        if subscriber.status != Subscriber.Status.ACTIVE:
            return subscriber, f"{raw} is not subscribed ({subscriber.get_status_display()})."
        return subscriber, None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        issue = NewsletterIssue.objects.filter(pk=object_id).first()
        extra = {}
        if issue is not None and self.has_view_permission(request, issue):
            subscriber, problem = self._subscriber_asked_about(request)
            items = list(issue.items.all())
            counts = sending.progress(issue)
            total = sum(counts.values())
            extra = {
                "issue": issue,
                "recipient_count": digest.recipients(issue).count() if issue.editable else None,
                "item_count": len(items),
                "counts": counts,
                "total": total,
                "done": total - counts[Delivery.Status.QUEUED],
                "may_send": self.has_send_permission(request),
                "may_view_subscribers": request.user.has_perm("people.view_subscriber"),
                "asked_about": request.GET.get("subscriber", "")[:254],
                "subscriber_problem": problem,
                "subscriber_posts": (
                    digest.matching(items, [i.topic_slug for i in subscriber.interests.all()])
                    if subscriber and not problem
                    else None
                ),
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    @method_decorator(_csp_for_email_preview)
    def preview_view(self, request, pk):
        """The issue's email as it would arrive: to everyone, or to ?subscriber=."""
        issue = self._issue(request, pk)
        items = list(issue.items.all())
        subscriber, problem = self._subscriber_asked_about(request)
        if problem:
            return HttpResponse(problem, content_type="text/plain; charset=utf-8", status=404)
        if subscriber is not None:
            items = digest.matching(items, [i.topic_slug for i in subscriber.interests.all()])
        ctx = digest.context(issue, items, subscriber=subscriber, personal_links=False)
        response = HttpResponse(digest.html(ctx))
        response["X-Robots-Tag"] = "noindex"
        return response

    def _back(self, issue):
        return redirect(reverse("admin:people_newsletterissue_change", args=[issue.pk]))

    @method_decorator(require_POST)
    def test_view(self, request, pk):
        issue = self._issue(request, pk, send=True)
        address = request.user.email
        if not address:
            self.message_user(
                request, "Your account has no email address: add one first.", messages.ERROR
            )
            return self._back(issue)
        transaction.on_commit(partial(send_test_issue.enqueue, issue.pk, address))
        self.message_user(request, f"A test copy is on its way to {address}.", messages.SUCCESS)
        return self._back(issue)

    @method_decorator(require_POST)
    def start_view(self, request, pk):
        issue = self._issue(request, pk, send=True)
        if not issue.items.exists():
            self.message_user(request, "Choose at least one post first.", messages.ERROR)
            return self._back(issue)
        count = sending.start(issue)
        if count is None:
            self.message_user(request, "This issue has already been started.", messages.WARNING)
        else:
            self.message_user(
                request,
                ngettext(
                    "Sending to %(count)d subscriber.",
                    "Sending to %(count)d subscribers.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        return self._back(issue)

    @method_decorator(require_POST)
    def pause_view(self, request, pk):
        issue = self._issue(request, pk, send=True)
        if sending.pause(issue):
            self.message_user(request, "Paused after the email now being sent.", messages.SUCCESS)
        else:
            self.message_user(request, "This issue is not sending.", messages.WARNING)
        return self._back(issue)

    @method_decorator(require_POST)
    def resume_view(self, request, pk):
        issue = self._issue(request, pk, send=True)
        if sending.resume(issue):
            self.message_user(request, "Sending again.", messages.SUCCESS)
        else:
            self.message_user(request, "This issue is not paused.", messages.WARNING)
        return self._back(issue)


admin.site.hide_permissions("people.issuepost", "people.delivery")
