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

from posts.previews import content, services
from posts.previews.forms import NewPreviewLinkForm
from posts.previews.models import PreviewLink

CONFIRM_PUBLISH_FIELD = "confirm_publish"


def may_manage_previews(model_admin, request, post):
    """Whether this user may make, list and revoke `post`'s links and read its answers."""
    return (
        post is not None
        and request.user.has_perm("posts.change_post")
        # Sending a version out for agreement is an editor's step, as publishing is.
        and request.user.has_perm("posts.publish_post")
        and model_admin.has_change_permission(request, post)
    )


class PreviewAdminMixin:
    """What the post admin gains for previews: the links page, a panel listing links and
    answers on the change form, and the warning before publishing a version that
    differs from the one agreed to."""

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
            extra_context["preview_panel"] = self._preview_panel(post)
            if request.method == "GET" and (warning := services.agreement_warning(post)):
                messages.warning(request, f"Before publishing: {warning}")
        return super().change_view(request, object_id, form_url, extra_context)

    def _preview_panel(self, post):
        """The post's links with their states and its answers, for the change form.

        A panel, not inlines: these rows are never edited there, and inline formsets
        would make every save of the post form depend on their management data.
        """
        fingerprint = content.current_fingerprint(post)
        return {
            "links_url": reverse(
                "admin:posts_post_preview_links", args=[post.pk], current_app=self.admin_site.name
            ),
            "links": [
                (link, link.state(fingerprint))
                for link in post.preview_links.select_related("created_by")
            ],
            "responses": [
                (response, response.fingerprint == fingerprint)
                for response in post.contributor_responses.select_related("link")
            ],
        }

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
        context = {
            **self.admin_site.each_context(request),
            "title": f"Preview links for “{post.title}”",
            "opts": self.opts,
            "original": post,
            "post": post,
            "form": form,
            "links": self._preview_panel(post)["links"],
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
