"""The post admin's revisions, working drafts and autosave (issue 10).

A mixin for PostAdmin, kept apart from posts/admin.py so that the admin class stays
readable: the revision list (Django's History link leads to it), comparing two
revisions, restoring one, the working-draft banner and its publish and discard
buttons, the lock on a live post's text, and the autosave endpoint. Every view asks
for its permission on the server: view_post to see revisions, change_post to restore,
autosave or start and discard a working draft, and drafts.can_publish to publish.
"""

import json

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from reversion.errors import RevertError

from posts import drafts, revisions
from posts.models import Post

# The text an autosave may write; the rest of the form waits for Save.
AUTOSAVE_FIELDS = ["title", "standfirst", "body", "content_note", "seo_title", "seo_description"]
# A body this long is far beyond any post (the longest demo post is ~30,000 characters).
AUTOSAVE_MAX_BYTES = 1_000_000
# Form fields, so a foreign key by its name (`hero_image`), not its column.
LOCKED_ON_LIVE = [name.removesuffix("_id") for name in revisions.CONTENT_FIELDS] + ["topics"]
PUBLISHING_FIELDS = {"status", "published_at", "featured"}


def autosave_seconds():
    """How long typing waits before an autosave (at most one per this many seconds)."""
    return getattr(settings, "POST_AUTOSAVE_SECONDS", 30)


class AutosaveForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = AUTOSAVE_FIELDS


class LockedOnLivePostInline:
    """Inline rows of a live post are read-only: its text changes through a working draft."""

    def _locked(self, obj):
        return obj is not None and drafts.is_live(obj)

    def has_add_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_delete_permission(request, obj)


class _PostChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        # Working drafts are reached from their live post, never listed as posts.
        self.root_queryset = self.root_queryset.filter(draft_of__isnull=True)
        return super().get_queryset(request, exclude_parameters)


class PostRevisionsAdminMixin:
    object_history_template = "admin/posts/post/revisions.html"

    def get_changelist(self, request, **kwargs):
        return _PostChangeList

    @property
    def media(self):
        return super().media + forms.Media(
            js=["js/post-autosave.js"], css={"all": ["css/admin-revisions.css"]}
        )

    # --- Recording a revision for each save through the form ----------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Recorded by hand in log_addition/log_change, after the inlines and topics.
        with reversion.create_revision(manage_manually=True):
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._record(obj, entry.get_change_message() or "Created.")
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._record(obj, entry.get_change_message())
        return entry

    def _record(self, obj, comment):
        if reversion.is_active():
            reversion.set_comment(comment)
            reversion.add_to_revision(obj)

    def delete_model(self, request, obj):
        if obj.is_working_draft:  # its revisions stay in the live post's history
            revisions.adopt_history(obj)
        super().delete_model(request, obj)

    # --- A live post's text is read-only; a working draft has no publishing settings -

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and drafts.is_live(obj):
            fields += [*LOCKED_ON_LIVE, "body_preview", "topic_names"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        live = drafts.is_live(obj)
        swap = {"body": "body_preview", "topics": "topic_names"} if live else {}
        result = []
        for name, options in fieldsets:
            fields = [
                swap.get(f, f) if isinstance(f, str) else f
                for f in options["fields"]
                if not (obj.is_working_draft and f in PUBLISHING_FIELDS)
            ]
            if fields:
                result.append((name, {**options, "fields": fields}))
        return result

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and drafts.is_live(obj):
            return {}  # the slug is read-only there
        return super().get_prepopulated_fields(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and drafts.is_live(obj) and "topics" in form.base_fields:
            # Declared fields survive `exclude`: drop it, or an empty value would clear them.
            form = type(form.__name__, (form,), {})
            del form.base_fields["topics"]
        return form

    @admin.display(description="body")
    def body_preview(self, post):
        # The body is sanitised on every save; only the sanitised field is marked safe.
        return format_html('<div class="post-body-preview">{}</div>', mark_safe(post.body))  # noqa: S308

    # --- Views --------------------------------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/history/compare/",
                wrap(self.compare_view),
                name=f"{prefix}_compare",
            ),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                wrap(self.restore_view),
                name=f"{prefix}_restore",
            ),
            path(
                "<path:object_id>/working-draft/<str:step>/",
                wrap(self.working_draft_view),
                name=f"{prefix}_working_draft",
            ),
            path("<path:object_id>/autosave/", wrap(self.autosave_view), name=f"{prefix}_autosave"),
            *super().get_urls(),
        ]

    def _post_or_404(self, request, object_id, permission):
        post = self.get_object(request, unquote(object_id))
        if post is None:
            raise Http404("No such post.")
        allowed = (
            self.has_view_or_change_permission(request, post)
            if permission == "view"
            else self.has_change_permission(request, post)
        )
        if not allowed:
            raise PermissionDenied
        return post

    def _url(self, name, post, **kwargs):
        return reverse(
            f"admin:posts_post_{name}",
            kwargs={"object_id": post.pk, **kwargs},
            current_app=self.admin_site.name,
        )

    def _context(self, request, post, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": post,
            "title": title,
            "subtitle": str(post),
            "has_view_permission": self.has_view_permission(request, post),
            "has_change_permission": self.has_change_permission(request, post),
            "change_url": self._url("change", post),
            "history_url": self._url("history", post),
            **extra,
        }

    def history_view(self, request, object_id, extra_context=None):
        """The revisions of a post (and of its working draft), newest first."""
        post = self._post_or_404(request, object_id, "view")
        versions = list(revisions.history_of(post)[:200])
        rows = [
            {
                "version": version,
                "when": version.revision.date_created,
                "who": version.revision.user,
                "comment": version.revision.get_comment() or "—",
                "of_draft": version.object_id != str(post.draft_of_id or post.pk),
                "restore_url": self._url("restore", post, version_id=version.pk),
            }
            for version in versions
        ]
        context = self._context(
            request,
            post,
            f"Revisions of “{post}”",
            rows=rows,
            compare_url=self._url("compare", post),
            can_restore=self.has_change_permission(request, post),
        )
        return TemplateResponse(request, self.object_history_template, context)

    def _version(self, post, version_id):
        return get_object_or_404(
            revisions.history_of(post), pk=version_id if str(version_id).isdigit() else -1
        )

    def compare_view(self, request, object_id):
        """Two revisions side by side: the words taken out and put in, as text."""
        post = self._post_or_404(request, object_id, "view")
        older_id, newer_id = request.GET.get("from", ""), request.GET.get("to", "")
        if not (older_id.isdigit() and newer_id.isdigit()) or older_id == newer_id:
            messages.error(request, "Choose two different revisions to compare.")
            return HttpResponseRedirect(self._url("history", post))
        older, newer = self._version(post, older_id), self._version(post, newer_id)
        if (older.revision.date_created, older.pk) > (newer.revision.date_created, newer.pk):
            older, newer = newer, older
        try:
            rows = revisions.compare(
                revisions.snapshot_of_version(older), revisions.snapshot_of_version(newer)
            )
        except RevertError:
            messages.error(request, "One of these revisions can no longer be read.")
            return HttpResponseRedirect(self._url("history", post))
        context = self._context(
            request,
            post,
            f"Compare revisions of “{post}”",
            older=older,
            newer=newer,
            rows=rows,
            can_restore=self.has_change_permission(request, post),
            restore_older_url=self._url("restore", post, version_id=older.pk),
        )
        return TemplateResponse(request, "admin/posts/post/revision_compare.html", context)

    def restore_view(self, request, object_id, version_id):
        """Restore a revision as a draft (asks first; POST does it)."""
        post = self._post_or_404(request, object_id, "change")
        version = self._version(post, version_id)
        if request.method == "POST":
            try:
                target, warnings = drafts.restore_revision(version, post, request.user)
            except (RevertError, ValidationError) as error:
                messages.error(request, f"Not restored: {_message(error)}")
                return HttpResponseRedirect(self._url("history", post))
            where = (
                "the working draft: readers see the published version until you publish it"
                if target.is_working_draft
                else "this draft"
            )
            messages.success(request, f"Restored the revision into {where}.")
            for warning in warnings:
                messages.warning(request, warning)
            return HttpResponseRedirect(self._url("change", target))
        context = self._context(
            request,
            post,
            "Restore this revision?",
            version=version,
            into_working_draft=drafts.is_live(post),
        )
        return TemplateResponse(request, "admin/posts/post/revision_restore.html", context)

    def working_draft_view(self, request, object_id, step):
        """Start (from a live post), publish or discard a working draft. POST only."""
        if step not in {"start", "publish", "discard"}:
            raise Http404
        post = self._post_or_404(request, object_id, "change")
        if request.method != "POST":
            if step == "discard":  # asks first: it throws work away
                return TemplateResponse(
                    request,
                    "admin/posts/post/working_draft_discard.html",
                    self._context(request, post, "Discard the unpublished changes?"),
                )
            return HttpResponseRedirect(self._url("change", post))
        try:
            if step == "start":
                draft = drafts.start_working_draft(post.draft_of or post, request.user)
                return HttpResponseRedirect(self._url("change", draft))
            draft = post if post.is_working_draft else drafts.working_draft_of(post)
            if draft is None:
                raise ValidationError("This post has no unpublished changes.")
            live = draft.draft_of
            if step == "publish":
                live, warnings = drafts.publish_working_draft(draft, request.user)
                messages.success(request, f"Published the changes to “{live}”.")
                for warning in warnings:
                    messages.warning(request, warning)
            else:
                drafts.discard_working_draft(draft, request.user)
                messages.success(request, "Discarded the unpublished changes.")
            return HttpResponseRedirect(self._url("change", live))
        except ValidationError as error:
            messages.error(request, _message(error))
            return HttpResponseRedirect(self._url("change", post))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        post = self.get_object(request, unquote(object_id))
        extra = {}
        if post is not None:
            draft = None if post.is_working_draft else drafts.working_draft_of(post)
            change = self.has_change_permission(request, post)
            extra["post_revisions"] = {
                "live": drafts.is_live(post),
                "working_draft": draft,
                "live_post": post.draft_of,
                "can_change": change,
                "can_publish": change and drafts.can_publish(request.user),
                "draft_url": self._url("change", draft) if draft else "",
                "start_url": self._url("working_draft", post, step="start"),
                "publish_url": self._url("working_draft", post, step="publish"),
                "discard_url": self._url("working_draft", post, step="discard"),
                "live_url": self._url("change", post.draft_of) if post.draft_of else "",
                "autosave_url": self._url("autosave", post)
                if change and not drafts.is_live(post)
                else "",
                "autosave_seconds": autosave_seconds(),
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def autosave_view(self, request, object_id):
        """Save the text of a draft or working draft as the writer types (JSON)."""
        return _autosave(self, request, object_id)


def _message(error):
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _json_error(message, status):
    return JsonResponse({"saved": False, "error": message}, status=status)


def _autosave(model_admin, request, object_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    post = model_admin.get_object(request, unquote(object_id))
    if post is None:
        return _json_error("This post no longer exists.", 404)
    if not model_admin.has_change_permission(request, post):
        return _json_error("You are not allowed to change this post.", 403)
    if drafts.is_live(post):
        return _json_error("This post is live: its text changes through a working draft.", 409)
    if len(request.body) > AUTOSAVE_MAX_BYTES:
        return _json_error("The text is too long to autosave; use Save.", 413)
    try:
        data = json.loads(request.body)
    except ValueError:
        return _json_error("The autosave was not readable.", 400)
    if not isinstance(data, dict) or not all(
        isinstance(data.get(name), str) for name in AUTOSAVE_FIELDS
    ):
        return _json_error("The autosave was not readable.", 400)
    form = AutosaveForm({name: data[name] for name in AUTOSAVE_FIELDS}, instance=post)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label if name in form.fields else 'post'}: {' '.join(errors)}"
            for name, errors in form.errors.items()
        )
        return _json_error(f"Not saved yet — {problems}", 400)
    with transaction.atomic():
        if form.has_changed():
            post = form.save()
            revisions.record_autosave_revision(post, request.user)
    saved_at = timezone.localtime()
    return JsonResponse(
        {"saved": True, "saved_at": saved_at.isoformat(), "saved_at_display": f"{saved_at:%H:%M}"}
    )
