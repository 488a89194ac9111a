from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.test import Client
from django.urls import reverse
from reversion.admin import VersionAdmin

from flse_hub.site.models import (
    FooterLink,
    HeaderLink,
    Page,
    Redirect,
    SiteSettings,
    SocialLink,
)

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


def site_answers(request):
    """live_check for the admin: whether the site, asked as a reader would, has a page there.

    Asks the whole site (URLconf, views, middleware) through Django's in-process client,
    with the staff member's own host, which the site already accepted.
    """

    def answers(path):
        client = Client(HTTP_HOST=request.get_host(), raise_request_exception=False)
        response = client.get(path, secure=request.is_secure())
        return 200 <= response.status_code < 300

    return answers


class RedirectForm(forms.ModelForm):
    # Set by RedirectAdmin.get_form: how to ask whether a path has a live page.
    live_check = None

    class Meta:
        model = Redirect
        fields = ["old_path", "target", "status_code", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One box for the old address, query included; the model keeps the query apart.
        if self.instance.pk:
            self.initial["old_path"] = self.instance.old_address
        self.instance.live_check = self.live_check

    def clean(self):
        # The box holds the whole old address: the model splits the query off it again.
        self.instance.old_query = ""
        return super().clean()


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    form = RedirectForm
    list_display = ["old_address", "target", "status_code", "last_used_at", "note"]
    list_filter = ["status_code"]
    search_fields = ["old_path", "old_query", "target", "note"]
    readonly_fields = ["last_used_at", "created_at", "updated_at"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"live_check": staticmethod(site_answers(request))})


SVG_REFUSED = (
    "SVG files are not accepted: an SVG is a program as much as a picture (it can carry "
    "script and load other files), and it would run as this site. Export the logo as a "
    "PNG with a transparent background, at least 512 pixels wide, and upload that."
)


def _looks_like_svg(upload):
    if upload.name.lower().endswith((".svg", ".svgz")):
        return True
    upload.seek(0)
    head = upload.read(1024).lstrip().lower()
    upload.seek(0)
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg", b"\x1f\x8b"))


class SiteSettingsForm(forms.ModelForm):
    class Meta:
        model = SiteSettings
        fields = [
            "site_name", "short_name", "organisation_name", "logo", "logo_alt",
            "theme_colour", "charity_number", "company_number", "postal_address",
            "contact_email", "contact_phone", "funder_line", "home_introduction",
            "share_image", "share_image_alt",
        ]  # fmt: skip
        widgets = {
            "postal_address": forms.Textarea(attrs={"rows": 4}),
            "home_introduction": forms.Textarea(attrs={"rows": 6}),
            "theme_colour": forms.TextInput(attrs={"pattern": "#[0-9a-fA-F]{6}", "size": 8}),
        }

    def _refuse_svg(self, name):
        upload = self.cleaned_data.get(name)
        # Only a new upload (an UploadedFile) is read; a stored file was checked already.
        if upload and hasattr(upload, "content_type") and _looks_like_svg(upload):
            raise forms.ValidationError(SVG_REFUSED, code="svg")
        return upload

    def clean_logo(self):
        return self._refuse_svg("logo")

    def clean_share_image(self):
        return self._refuse_svg("share_image")


class OrderedInline(admin.TabularInline):
    extra = 1


class HeaderLinkInline(OrderedInline):
    model = HeaderLink
    fields = ["order", "label", "topic", "address"]
    verbose_name_plural = "header navigation (in order)"


class FooterLinkInline(HeaderLinkInline):
    model = FooterLink
    verbose_name_plural = "footer navigation (in order)"


class SocialLinkInline(OrderedInline):
    model = SocialLink
    fields = ["order", "label", "url"]
    verbose_name_plural = "social media links (in order, shown in the footer)"


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """One record: the list opens it, and it can be neither added nor deleted."""

    form = SiteSettingsForm
    actions = None  # one record, never deleted: nothing to act on in bulk
    inlines = [HeaderLinkInline, FooterLinkInline, SocialLinkInline]
    fieldsets = [
        ("Names", {"fields": ["site_name", "short_name", "organisation_name"]}),
        ("Logo and colour", {"fields": ["logo", "logo_alt", "theme_colour"]}),
        (
            "Organisation details (footer)",
            {
                "description": "Anything left empty is simply not shown to the public.",
                "fields": [
                    "charity_number",
                    "company_number",
                    "postal_address",
                    "contact_email",
                    "contact_phone",
                    "funder_line",
                ],
            },
        ),
        ("Home page", {"fields": ["home_introduction"]}),
        ("Sharing on social media", {"fields": ["share_image", "share_image_alt"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # Django's 403
        SiteSettings.objects.get_or_create(
            pk=1,
            defaults={
                "site_name": settings.SITE_NAME,
                "organisation_name": settings.ORGANISATION_NAME,
            },
        )
        return HttpResponseRedirect(reverse("admin:site_sitesettings_change", args=[1]))
