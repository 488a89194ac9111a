from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse

from flse_hub.site.models import FooterLink, HeaderLink, SiteSettings, SocialLink

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
