"""Preview links and contributors' answers on the post's admin page.

Who may make, see and revoke a post's preview links, and see its answers: staff
who may change that post (the post admin's has_change_permission, which may
depend on the post) and hold posts.change_post. Every view below asks again.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from posts.previews import content, services
from posts.previews.forms import NewPreviewLinkForm
from posts.previews.models import ContributorResponse, PreviewLink

CONFIRM_PUBLISH_FIELD = "confirm_publish"


def may_manage_previews(model_admin, request, post):
    """Whether this user may make, list and revoke `post`'s links and read its answers."""
    return (
        post is not None
        and request.user.has_perm("posts.change_post")
        and model_admin.has_change_permission(request, post)
    )


def _fingerprint_now(request, post):
    """The post's current fingerprint, worked out once per request and post."""
    cache = request.__dict__.setdefault("_preview_fingerprints", {})
    if post.pk not in cache:
        cache[post.pk] = content.current_fingerprint(post)
    return cache[post.pk]


class _ReadOnlyPostInline(admin.TabularInline):
    """A list on the post's page: rows are made elsewhere (by a link, a contributor)."""

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Asked with the post when the change page lists its inlines, and without one by
        # the inline's own queryset, which only ever holds rows of that post.
        if obj is None:
            return request.user.has_perm("posts.change_post")
        post_admin = self.admin_site.get_model_admin(self.parent_model)
        return may_manage_previews(post_admin, request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class PreviewLinkInline(_ReadOnlyPostInline):
    model = PreviewLink
    fields = ["recipient", "made", "expires_at", "dies_on_change", "state_label"]
    verbose_name_plural = "preview links (make or revoke them with “Preview links” above)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by", "post")

    @admin.display(description="link")
    def made(self, link):
        # The link itself was shown once, to whoever made it; only its hash is kept.
        by = f" by {link.created_by.get_username()}" if link.created_by else ""
        return f"Link made on {timezone.localtime(link.created_at):%d %b %Y at %H:%M}{by}"

    @admin.display(description="state")
    def state_label(self, link):
        return link.state(_fingerprint_now(self._request, link.post)).label

    def get_formset(self, request, obj=None, **kwargs):
        self._request = request
        return super().get_formset(request, obj, **kwargs)


class ContributorResponseInline(_ReadOnlyPostInline):
    model = ContributorResponse
    fields = ["kind", "recipient", "name", "message", "version", "created_at"]
    verbose_name_plural = "contributors' answers (staff only: never shown publicly)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("link", "post")

    @admin.display(description="link for")
    def recipient(self, response):
        return response.link.recipient

    @admin.display(description="version")
    def version(self, response):
        same = response.fingerprint == _fingerprint_now(self._request, response.post)
        return format_html(
            "“{}” ({}, {})",
            response.snapshot.get("title", ""),
            response.fingerprint[:12],
            "the version now in the form" if same else "an older version",
        )

    def get_formset(self, request, obj=None, **kwargs):
        self._request = request
        return super().get_formset(request, obj, **kwargs)


class PreviewAdminMixin:
    """What the post admin gains for previews: the links page, the two lists, and the
    warning before publishing a version that differs from the one agreed to."""

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is not None:
            inlines += [PreviewLinkInline, ContributorResponseInline]
        return inlines

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/preview-links/",
                self.admin_site.admin_view(self.preview_links_view),
                name="{}_{}_preview_links".format(*info),
            )
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        post = self.get_object(request, unquote(object_id)) if object_id else None
        if may_manage_previews(self, request, post):
            extra_context["preview_links_url"] = reverse(
                "admin:posts_post_preview_links", args=[post.pk], current_app=self.admin_site.name
            )
            if request.method == "GET" and (warning := services.agreement_warning(post)):
                messages.warning(request, f"Before publishing: {warning}")
        return super().change_view(request, object_id, form_url, extra_context)

    def preview_links_view(self, request, object_id):
        post = self.get_object(request, unquote(object_id))
        if post is None:
            raise Http404
        if not may_manage_previews(self, request, post):
            raise PermissionDenied
        form = NewPreviewLinkForm()
        new_link_url, status = "", 200
        if request.method == "POST":
            action = request.POST.get("action")
            if action == "create":
                form = NewPreviewLinkForm(request.POST)
                if form.is_valid():
                    link, token = services.make_link(
                        post,
                        recipient=form.cleaned_data["recipient"],
                        days=form.cleaned_data["days"],
                        dies_on_change=form.cleaned_data["dies_on_change"],
                        by=request.user,
                    )
                    # Shown in this answer only: it is not stored, so it cannot be shown again.
                    new_link_url = request.build_absolute_uri(services.preview_path(token))
                    form = NewPreviewLinkForm()
                    status = 201
                else:
                    status = 400
            elif action == "revoke":
                link = post.preview_links.filter(pk=_int_or_none(request.POST.get("link"))).first()
                if link is None:
                    messages.error(request, "That link is not one of this post's.")
                else:
                    services.revoke_link(link, by=request.user)
                    messages.success(request, f"The link for {link.recipient} no longer works.")
                return HttpResponseRedirect(request.path)
            else:
                messages.error(request, "Choose “Make a link” or “Revoke”.")
                return HttpResponseRedirect(request.path)
        fingerprint = content.current_fingerprint(post)
        links = [
            (link, link.state(fingerprint))
            for link in post.preview_links.select_related("created_by")
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Preview links for “{post.title}”",
            "opts": self.opts,
            "original": post,
            "post": post,
            "form": form,
            "links": links,
            "active": PreviewLink.State.ACTIVE,
            "new_link_url": new_link_url,
            "change_url": reverse(
                "admin:posts_post_change", args=[post.pk], current_app=self.admin_site.name
            ),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/posts/post/preview_links.html", context, status=status
        )

    def confirm_publishing(self, request, posts):
        """A page asking to confirm, if any of `posts` differs from what its contributor
        agreed to; None to go ahead (nothing to warn of, or the editor confirmed)."""
        if request.POST.get(CONFIRM_PUBLISH_FIELD) == "yes":
            return None
        warnings = [(post, w) for post in posts if (w := services.agreement_warning(post))]
        if not warnings:
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Publish posts that differ from what was agreed?",
            "opts": self.opts,
            "warnings": warnings,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "action": request.POST.get("action", ""),
            "confirm_field": CONFIRM_PUBLISH_FIELD,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/posts/post/publish_confirmation.html", context)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
