"""The page a preview link opens: the post as readers will see it, and the answer forms."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_http_methods

from flse_hub.ratelimit import allow
from flse_hub.security import client_ip
from posts.previews import content, services
from posts.previews.forms import AgreeForm, ChangesForm
from posts.previews.models import MESSAGE_MAX_LENGTH, ContributorResponse, PreviewLink
from posts.views import PostDetailView

# The token is the whole of the secret: other sites must never see this page's address.
# Not "no-referrer": with it, browsers send "Origin: null" on the page's own form
# POSTs, which CSRF protection rightly refuses. "same-origin" sends the address
# only back to us, who issued it.
REFERRER_POLICY = "same-origin"

DEAD_LINK_STATUS = {
    PreviewLink.State.EXPIRED: 410,
    PreviewLink.State.REVOKED: 410,
    PreviewLink.State.CHANGED: 410,
}


def _private(response):
    """For the holder of the link alone: not cached, not indexed, address not passed on."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = REFERRER_POLICY
    return response


def _problem(request, problem, status):
    """A plain page about the link; it shows nothing of the post, not even its title.

    An answer sent just as the link died is given back, so it can go by email instead.
    """
    their_words = ""
    if request.method == "POST":
        their_words = request.POST.get("changes-message", "")[: MESSAGE_MAX_LENGTH + 1]
    response = render(
        request,
        "posts/preview/link_problem.html",
        {"problem": problem, "their_words": their_words, "hide_newsletter_box": True},
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(settings.PREVIEW_RATE_PER_CLIENT[1])
    return _private(response)


@require_http_methods(["GET", "HEAD", "POST"])
def preview(request, token):
    if not allow("preview-link", client_ip(request), settings.PREVIEW_RATE_PER_CLIENT):
        return _problem(request, "too-many", 429)
    link, post = services.find_link(token)
    if link is None or post is None:
        return _problem(request, "unknown", 404)
    shown = content.fingerprint(content.snapshot(post))
    state = link.state(shown)
    if state != PreviewLink.State.ACTIVE:
        return _problem(request, state, DEAD_LINK_STATUS[state])

    agree_form = AgreeForm(initial={"fingerprint": shown})
    changes_form = ChangesForm(initial={"fingerprint": shown})
    status, out_of_date = 200, False
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "agree":
            form = agree_form = AgreeForm(request.POST)
            kind = ContributorResponse.Kind.AGREED
        elif action == "changes":
            form = changes_form = ChangesForm(request.POST)
            kind = ContributorResponse.Kind.CHANGES
        else:
            return _problem(request, "bad-form", 400)
        if form.is_valid():
            answer = services.record_response(
                link,
                post,
                kind=kind,
                shown_fingerprint=form.cleaned_data["fingerprint"],
                name=form.cleaned_data["name"],
                message=form.cleaned_data.get("message", ""),
            )
            if answer is not None:
                # Redirect, so that reloading the thank-you does not answer twice.
                return _private(HttpResponseRedirect(f"{request.path}?answered={kind}"))
            # The post changed while they read it: show the new version, keep their words.
            status, out_of_date = 409, True
            form.data = form.data.copy()
            form.data[form.add_prefix("fingerprint")] = shown
        else:
            status = 400

    view = PostDetailView()
    view.setup(request, slug=post.slug)
    view.object = post
    context = view.get_context_data(
        preview_link=link,
        agree_form=agree_form,
        changes_form=changes_form,
        forms_with_errors=[f for f in (agree_form, changes_form) if f.is_bound and f.errors],
        out_of_date=out_of_date,
        answered=request.GET.get("answered") if request.method == "GET" else None,
        hide_newsletter_box=True,
    )
    # The page's head (preview.html) carries no canonical, social or citation metadata,
    # so nothing treats this address as the post's; the body is as readers see it.
    return _private(render(request, "posts/preview/preview.html", context, status=status))
