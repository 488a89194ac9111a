from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from flse_hub.security import client_ip
from people import digest, ratelimit, services, tokens
from people.consent import privacy_notice_url
from people.forms import ManageLinkForm, NewsletterSignupForm, PreferencesForm
from people.models import NewsletterIssue, Subscriber

ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


def _base_url(request):
    # Links in the emails a request queues point back at the host the visitor used
    # (ALLOWED_HOSTS has already vetted it); emails queued again by a sweep use SITE_URL.
    return request.build_absolute_uri("/").rstrip("/")


def _too_many(request):
    """The answer once a client IP has sent too many forms; it says nothing about addresses."""
    _count, seconds = settings.NEWSLETTER_RATE_PER_IP
    response = render(request, "people/newsletter_rate_limited.html", status=429)
    response["Retry-After"] = str(seconds)
    return response


def _newsletter_page(request, signup_form=None, manage_form=None, status=200):
    signup_form = signup_form or NewsletterSignupForm(
        initial={"source": reverse("people:newsletter")}
    )
    manage_form = manage_form or ManageLinkForm(prefix="manage")
    context = {
        "form": signup_form,
        "manage_form": manage_form,
        "forms_with_errors": [f for f in (signup_form, manage_form) if f.errors],
        "hide_newsletter_box": True,
    }
    return render(request, "people/newsletter.html", context, status=status)


# Signup and "email me a link" are exempt from CSRF on purpose. They act on no
# session or login: all a forged request can do is what anyone can do directly,
# send one rate-limited email that needs the mailbox owner to act. A CSRF token
# in the footer box would set a cookie on every page and make every public page
# uncacheable (private, Vary: Cookie). The token-link forms keep CSRF.
ANONYMOUS_REQUEST_FORM = csrf_exempt


@ANONYMOUS_REQUEST_FORM
@require_http_methods(["GET", "HEAD", "POST"])
def newsletter(request):
    """The signup page; POST signs up (from here or from the footer box on any page)."""
    if request.method != "POST":
        return _newsletter_page(request)
    if not ratelimit.allow("newsletter-ip", client_ip(request), settings.NEWSLETTER_RATE_PER_IP):
        return _too_many(request)
    form = NewsletterSignupForm(request.POST)
    # A bot that filled the honeypot is told what a person is told, so it learns
    # nothing to adapt to, but nothing is stored and no one is emailed.
    if form.is_bot():
        return redirect("people:newsletter-check-email")
    if not form.is_valid():
        return _newsletter_page(request, signup_form=form, status=400)
    data = form.cleaned_data
    services.signup(
        data["email"],
        name=data["name"],
        topics=data["topics"],
        consent_version=data["consent_version"],
        source_page=data["source"],
        base_url=_base_url(request),
    )
    return redirect("people:newsletter-check-email")


@ANONYMOUS_REQUEST_FORM
@require_POST
def manage_request(request):
    """ "Change my topics or leave": email a link to the address, if it is on the list."""
    if not ratelimit.allow("newsletter-ip", client_ip(request), settings.NEWSLETTER_RATE_PER_IP):
        return _too_many(request)
    form = ManageLinkForm(request.POST, prefix="manage")
    if form.is_bot():
        return redirect("people:newsletter-check-email")
    if not form.is_valid():
        return _newsletter_page(request, manage_form=form, status=400)
    services.request_manage_link(form.cleaned_data["email"], base_url=_base_url(request))
    return redirect("people:newsletter-check-email")


def check_email(request):
    return render(request, "people/newsletter_check_email.html")


def _link_problem(request, problem, status):
    context = {
        "problem": problem,
        "form": NewsletterSignupForm(initial={"source": reverse("people:newsletter")}),
        "hide_newsletter_box": True,
    }
    return render(request, "people/newsletter_link_problem.html", context, status=status)


def _subscriber_for(request, purpose, token):
    """(subscriber, None), or (None, the friendly error response).

    A link that was never ours (tampered, mistyped) is a bad request: 400.
    A genuine link that has expired, or whose subscriber is gone or has left, is 410 Gone:
    it worked once and will not again, so a fresh email is the way on.
    """
    try:
        pk = tokens.read(purpose, token)
    except tokens.TokenExpired:
        return None, _link_problem(request, "expired", status=410)
    except tokens.TokenInvalid:
        return None, _link_problem(request, "invalid", status=400)
    subscriber = Subscriber.objects.filter(pk=pk).first()
    # Someone who has left must sign up afresh; an old link cannot bring them back.
    if subscriber is None or subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return None, _link_problem(request, "gone", status=410)
    return subscriber, None


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """GET shows a button (mail scanners follow links); only the POST confirms."""
    subscriber, problem = _subscriber_for(request, tokens.CONFIRM, token)
    if problem:
        return problem
    if request.method == "POST":
        services.confirm(subscriber)
        return render(request, "people/newsletter_confirmed.html", {"subscriber": subscriber})
    if subscriber.status == Subscriber.Status.ACTIVE:
        return render(request, "people/newsletter_confirmed.html", {"subscriber": subscriber})
    return render(request, "people/newsletter_confirm.html", {"token": token})


@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET shows a button; the POST (with CSRF, from that page) takes them off the list."""
    try:
        pk = tokens.read(tokens.UNSUBSCRIBE, token)
    except (tokens.TokenExpired, tokens.TokenInvalid):
        return _link_problem(request, "invalid", status=400)
    if request.method == "POST":
        services.unsubscribe(pk)
        return render(request, "people/newsletter_unsubscribed.html")
    subscriber = Subscriber.objects.filter(pk=pk).first()
    if subscriber is None or subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return render(request, "people/newsletter_unsubscribed.html")
    return render(request, "people/newsletter_unsubscribe.html", {"token": token})


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def one_click_unsubscribe(request, token):
    """RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" with no cookie.

    CSRF protection is off for this path only: the signed token is the
    credential, and the POST body must be exactly what RFC 8058 specifies.
    A GET (someone opening the address) only shows the unsubscribe page.
    """
    if request.method != "POST":
        return redirect("people:newsletter-unsubscribe", token=token)
    try:
        pk = tokens.read(tokens.UNSUBSCRIBE, token)
    except (tokens.TokenExpired, tokens.TokenInvalid):
        return HttpResponse("Invalid unsubscribe link.\n", status=400, content_type="text/plain")
    if request.POST.get("List-Unsubscribe") != "One-Click":
        return HttpResponse(
            f"The request body must be {ONE_CLICK_BODY}.\n", status=400, content_type="text/plain"
        )
    services.unsubscribe(pk)
    return HttpResponse("Unsubscribed.\n", content_type="text/plain")


@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, token):
    """Change name and topics, or leave, from an emailed link (asked for, or in an issue)."""
    subscriber, problem = _subscriber_for(request, tokens.MANAGE, token)
    if problem and problem.status_code == 400:
        subscriber, problem = _subscriber_for(request, tokens.ISSUE_MANAGE, token)
    if problem:
        return problem
    saved = False
    status = 200
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.update_preferences(
                subscriber, name=form.cleaned_data["name"], topics=form.cleaned_data["topics"]
            )
            saved = True
        else:
            status = 400
    else:
        form = PreferencesForm(
            initial={
                "name": subscriber.name,
                "topics": list(subscriber.interests.values_list("topic_slug", flat=True)),
            }
        )
    context = {
        "form": form,
        "forms_with_errors": [form] if form.errors else [],
        "saved": saved,
        "subscriber": subscriber,
        "unsubscribe_token": tokens.make(tokens.UNSUBSCRIBE, subscriber.pk),
    }
    return render(request, "people/newsletter_manage.html", context, status=status)


def privacy(request):
    """The notice's old address: it is a page of the site now (flse_hub.site), for good."""
    return redirect(privacy_notice_url(), permanent=True)


# The newsletter's public archive ----------------------------------------------------

ISSUES_PER_PAGE = 20


def issue_archive(request):
    """Every sent issue, newest first."""
    issues = NewsletterIssue.objects.public().only("subject", "slug", "sent_at")
    page = Paginator(issues.order_by("-sent_at", "-pk"), ISSUES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page_obj": page,
        "paginator": page.paginator,
        "is_paginated": page.has_other_pages(),
        "object_list": page.object_list,
    }
    return render(request, "people/newsletter_issues.html", context)


def issue_detail(request, slug):
    """One sent issue as a web page: its introduction and every post it told of."""
    issue = get_object_or_404(NewsletterIssue.objects.public(), slug=slug)
    return render(
        request,
        "people/newsletter_issue.html",
        {"issue": issue, "items": digest.still_public_items(issue)},
    )


@csrf_exempt
def provider_webhook(request):
    """Postmark's bounce and spam-complaint webhook (people.bounces), through anymail.

    Off (404) until NEWSLETTER_WEBHOOK_SECRET is set: an open webhook would let anyone
    unsubscribe anyone. Anymail checks the basic auth (401 without it) and the body.
    """
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        raise Http404("The provider webhook is not configured.")
    return PostmarkTrackingWebhookView.as_view()(request)
