"""The link checker in the admin: a report of broken links and wording (the Link list),
a button that queues a check, and broken links on each post (LinkReportAdminMixin)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from posts.linkcheck import tasks
from posts.linkcheck.models import CheckRun, Link, LinkUse, TextIssue

VIEW = "linkcheck.view_link"
CHECK = "linkcheck.check_links"
REPORT_ROWS = 500  # per section; the page says when there are more


def _uses_of(model, status):
    """Per object of `model`: how many of its links have `status` (a subquery)."""
    content_type = ContentType.objects.get_for_model(model)
    return Coalesce(
        Subquery(
            LinkUse.objects.filter(
                content_type=content_type, object_id=OuterRef("pk"), link__status=status
            )
            .order_by()
            .values("object_id")
            .annotate(n=Count("link", distinct=True))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


class LinkProblemsFilter(admin.SimpleListFilter):
    title = "checked links"
    parameter_name = "links"

    def lookups(self, request, model_admin):
        return [("broken", "Has broken links"), ("wording", "Link text or deadline to fix")]

    def queryset(self, request, queryset):
        content_type = ContentType.objects.get_for_model(queryset.model)
        if self.value() == "broken":
            return queryset.filter(
                pk__in=LinkUse.objects.filter(
                    content_type=content_type, link__status=Link.Status.BROKEN
                ).values("object_id")
            )
        if self.value() == "wording":
            return queryset.filter(
                pk__in=TextIssue.objects.filter(content_type=content_type).values("object_id")
            )
        return queryset


class LinkReportAdminMixin:
    """For a ModelAdmin of checked content (posts): its broken links and wording issues on
    the change page, and a column and filter in the list, for staff who may see links."""

    def _may_see_links(self, request):
        return request.user.has_perm(VIEW)

    @property
    def media(self):
        return super().media + forms.Media(css={"all": ["css/admin-linkcheck.css"]})

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self._may_see_links(request):
            queryset = queryset.annotate(broken_link_count=_uses_of(queryset.model, "broken"))
        return queryset

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        return [*shown, "broken_links"] if self._may_see_links(request) else shown

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        return [*filters, LinkProblemsFilter] if self._may_see_links(request) else filters

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and self._may_see_links(request):
            return [*fieldsets, ("Links and wording", {"fields": ["link_report"]})]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "link_report"]

    @admin.display(description="broken links", ordering="broken_link_count")
    def broken_links(self, obj):
        return getattr(obj, "broken_link_count", 0) or "–"

    @admin.display(description="link check")
    def link_report(self, obj):
        content_type = ContentType.objects.get_for_model(obj)
        uses = (
            LinkUse.objects.filter(content_type=content_type, object_id=obj.pk)
            .exclude(link__status__in=[Link.Status.OK, Link.Status.UNCHECKED])
            .select_related("link")
            .order_by("link__status", "link__target")
        )
        issues = TextIssue.objects.filter(content_type=content_type, object_id=obj.pk)
        return render_to_string(
            "linkcheck/admin/object_links.html",
            {
                "uses": uses,
                "issues": issues,
                "checked": LinkUse.objects.filter(
                    content_type=content_type, object_id=obj.pk
                ).count(),
                "last_run": CheckRun.objects.filter(state=CheckRun.State.DONE)
                .order_by("-finished_at")
                .first(),
                "report_url": reverse("admin:linkcheck_link_changelist"),
            },
        )


def _report_context(request):
    broken = Link.objects.filter(status=Link.Status.BROKEN)
    blocked = Link.objects.filter(status__in=[Link.Status.BLOCKED, Link.Status.SKIPPED])
    with_uses = Prefetch(
        "uses", queryset=LinkUse.objects.select_related("content_type").order_by("object_label")
    )
    return {
        "broken": broken.prefetch_related(with_uses).order_by("target")[:REPORT_ROWS],
        "broken_count": broken.count(),
        "blocked": blocked.prefetch_related(with_uses).order_by("target")[:REPORT_ROWS],
        "blocked_count": blocked.count(),
        "issues": TextIssue.objects.select_related("content_type").order_by(
            "kind", "object_label", "pk"
        )[:REPORT_ROWS],
        "issue_count": TextIssue.objects.count(),
        "link_count": Link.objects.count(),
        "working_count": Link.objects.filter(status=Link.Status.OK).count(),
        "unchecked_count": Link.objects.filter(status=Link.Status.UNCHECKED).count(),
        "active_run": CheckRun.objects.filter(state__in=tasks.ACTIVE).first(),
        "last_run": CheckRun.objects.filter(state=CheckRun.State.DONE)
        .order_by("-finished_at")
        .first(),
        "may_check": request.user.has_perm(CHECK),
        "report_rows": REPORT_ROWS,
    }


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    """Read-only: links are found in content, never typed here. Its list is the report."""

    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        check = self.admin_site.admin_view(require_POST(self.check_now_view))
        return [path("check/", check, name="linkcheck_link_check"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **_report_context(request),
            "title": "Link check: broken links and wording to fix",
            "opts": self.opts,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "linkcheck/admin/report.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Each link is shown, with where it is used, in the report.
        return redirect("admin:linkcheck_link_changelist")

    def check_now_view(self, request):
        """Queue a check of every link for the worker; no fetch happens in the request."""
        if not request.user.has_perm(CHECK):
            raise PermissionDenied
        run, queued = tasks.queue_check(CheckRun.Trigger.STAFF, request.user)
        if queued:
            messages.success(
                request,
                "A check of every link is queued. It runs in the background, one request "
                "at a time per site; reload this page to see the results as they arrive.",
            )
        else:
            messages.info(
                request, f"A check is already under way ({run.get_state_display().lower()})."
            )
        return redirect("admin:linkcheck_link_changelist")
