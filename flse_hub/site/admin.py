from django.contrib import admin, messages
from reversion.admin import VersionAdmin

from flse_hub.site.models import Page

PRIVACY_SLUG = "privacy"


@admin.register(Page)
class PageAdmin(VersionAdmin):
    """Pages with their history: "History" lists every saved version, and staff may
    open any of them and save it again to recover it."""

    list_display = ["title", "slug", "status_label", "published_at", "updated_at", "editor"]
    list_filter = ["status"]
    search_fields = ["title", "slug", "search_text"]
    prepopulated_fields = {"slug": ["title"]}
    save_on_top = True
    # The editor's CSS must load as a file under the CSP, on every form that shows it.
    revision_form_template = "admin/site/page/revision_form.html"
    recover_form_template = "admin/site/page/recover_form.html"
    readonly_fields = ["updated_at", "last_edited_by"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "body"]}),
        ("Publishing", {"fields": ["status", "published_at", "updated_at", "last_edited_by"]}),
        ("Search engines", {"fields": ["seo_title", "seo_description"], "classes": ["collapse"]}),
    ]

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("last_edited_by")

    def save_model(self, request, obj, form, change):
        obj.last_edited_by = request.user
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        # The newsletter's signup forms link to this page: say so here, never to readers.
        if not Page.objects.published().filter(slug=PRIVACY_SLUG).exists():
            self.message_user(
                request,
                f"There is no published page with the slug “{PRIVACY_SLUG}”. The newsletter "
                f"signup links to /{PRIVACY_SLUG}/ for its privacy notice, and readers "
                "following that link see “Page not found”. Add or publish it.",
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description="status", ordering="status")
    def status_label(self, page):
        return "Scheduled" if page.is_scheduled else page.get_status_display()

    @admin.display(description="last edited by", ordering="last_edited_by__username")
    def editor(self, page):
        return page.last_edited_by or "—"
