from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import ngettext

from people import services
from people.exports import write_csv
from people.models import Person, Subscriber, SuppressedAddress
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
