"""Old addresses that answer with a redirect instead of a 404.

Only a request the site has no page for is looked up (NotFoundRedirectMiddleware acts on
404 responses), so a page that exists costs nothing and is never shadowed. The finders
asked are listed in settings.NOT_FOUND_REDIRECT_FINDERS: this module's `redirect_for`
(the Redirect table staff edit) and the apps' own (posts' former slugs), which this
infrastructure module never imports by name.

Query strings: an old address without one matches the path whatever query the request
carries (the query is not passed on). One with a query (the previous WordPress site's
/?p=123) matches when the request has exactly those parameters, in any order. Such
addresses live at the home page, which answers every query string: so requests to /
with a query string are looked up even though the page answered (one indexed query);
on any other path an old address with a query is used only where the site has no page.
"""

import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import cached_property
from django.utils.module_loading import import_string

from flse_hub.site.models import Redirect

# How often a redirect's "last used" time may be written: at most once a minute each.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# How long browsers and CDNs may keep a permanent redirect: long enough to spare the
# database, short enough that a mistaken one, once corrected, is gone within the hour.
PERMANENT_REDIRECT_CACHE_SECONDS = 3600
# Pages that answer whatever query string they get, where old sites put query addresses.
PAGES_WITH_OLD_QUERY_ADDRESSES = frozenset({"/"})
# How many hops a target may take through other redirects before it counts as a loop.
MAX_HOPS = 10

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f\\]")
_web_address = URLValidator(schemes=["http", "https"])


def normalise_query(query):
    """A query string with its parameters sorted, so that the order they came in never matters."""
    return urlencode(sorted(parse_qsl(query, keep_blank_values=True)))


def split_old_address(value):
    """(path, query) of an old address as staff type it; ValidationError if it is not one.

    A full address from the previous site (https://old.example/2021/03/post/) is cut down
    to its path, which is what a request to this site carries.
    """
    value = (value or "").strip()
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        if parts.scheme.lower() not in ("http", "https"):
            raise ValidationError("Enter a path that starts with /, e.g. /2021/03/some-post/.")
        value = parts.path or "/"
        query = parts.query
    else:
        value, _, query = value.partition("?")
    value = value.partition("#")[0]
    if not value.startswith("/") or value.startswith("//") or _CONTROL_OR_SPACE.search(value):
        raise ValidationError(
            "Enter a path that starts with a single /, without spaces, e.g. /2021/03/some-post/."
        )
    return value, normalise_query(query)


def check_target(value):
    """Refuse a target a reader must not be sent to; return it cleaned of outer spaces."""
    value = (value or "").strip()
    if value.startswith("/"):
        # "//host" and "/\\host" are other sites to a browser, not paths on this one.
        if value.startswith("//") or _CONTROL_OR_SPACE.search(value):
            raise ValidationError(
                "Enter a path on this site that starts with a single /, without spaces or "
                "backslashes, or a web address starting with https://."
            )
        return value
    if not value.lower().startswith(("http://", "https://")):
        raise ValidationError(
            "Enter a path on this site (starting with /) or a web address starting with "
            "https:// or http://."
        )
    try:
        _web_address(value)
    except ValidationError:
        raise ValidationError(
            "Enter a complete web address, e.g. https://example.org/page/."
        ) from None
    return value


def _matching(path, query):
    """Redirects whose old address matches a request's path and query, best first."""
    max_length = Redirect._meta.get_field("old_path").max_length
    # No stored address holds a NUL (PostgreSQL refuses it in a query) or is this long.
    if "\x00" in path or "\x00" in query or len(path) > max_length + 1:
        return []
    paths = [path, path[:-1] if path.endswith("/") and len(path) > 1 else path + "/"]
    queries = [normalise_query(query), ""] if query else [""]
    found = list(
        Redirect.objects.filter(old_path__in=paths, old_query__in=queries).only(
            "old_path", "old_query", "target", "status_code", "last_used_at"
        )
    )
    # The exact path before the one with the slash added or taken off; a query before none.
    found.sort(key=lambda r: (r.old_path != path, r.old_query == ""))
    return found


def redirect_for(request):
    """(address, permanent) from the Redirect table for this request, or None."""
    found = _matching(request.path_info, request.META.get("QUERY_STRING", ""))
    if not found:
        return None
    redirect = found[0]
    _note_use(redirect)
    return redirect.target, redirect.permanent


def _note_use(redirect):
    """Record when the redirect was last used, at most once a minute (never a write per hit)."""
    now = timezone.now()
    due = now - LAST_USED_RESOLUTION
    if redirect.last_used_at is None or redirect.last_used_at < due:
        # The condition again in SQL: of servers racing here, one writes.
        Redirect.objects.filter(pk=redirect.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=due)
        ).update(last_used_at=now)


def _finders():
    return [import_string(name) for name in settings.NOT_FOUND_REDIRECT_FINDERS]


class NotFoundRedirectMiddleware:
    """Answer a 404 with a redirect when some finder knows where the address went.

    Listed below ErrorResponsesMiddleware, so the 404 becomes a redirect before that
    marks it cacheable as a 404, and below ConditionalGetMiddleware, so a redirect is
    never answered 304. Only the home page with a query string (/?p=123) is looked up
    after a page answered.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def finders(self):
        return _finders()

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return response
        if response.status_code == 404:
            found = self._find(request)
        elif (
            response.status_code in (200, 304)
            and request.path_info in PAGES_WITH_OLD_QUERY_ADDRESSES
            and request.META.get("QUERY_STRING")
        ):
            found = redirect_for(request)
        else:
            return response
        if found is None:
            return response
        target, permanent = found
        redirect = (HttpResponsePermanentRedirect if permanent else HttpResponseRedirect)(target)
        if permanent:
            patch_cache_control(redirect, public=True, max_age=PERMANENT_REDIRECT_CACHE_SECONDS)
        else:
            patch_cache_control(redirect, no_cache=True)
        return redirect

    def _find(self, request):
        for finder in self.finders:
            if found := finder(request):
                return found
        return None


def _internal_path(target):
    """The path and query of a target on this site, or None for another site's address."""
    if target.startswith("/"):
        parts = urlsplit(target)
        return parts.path, parts.query
    return None


class _Probe:
    """A bare request, as a finder sees one, for following a target during validation."""

    method = "GET"

    def __init__(self, path, query):
        self.path = self.path_info = path
        self.META = {"QUERY_STRING": query}


def _next_hop(path, query, exclude_pk):
    """Where an address on this site redirects to (another redirect or a finder), or None."""
    others = [r for r in _matching(path, query) if r.pk != exclude_pk]
    if others:
        return others[0].target
    for finder in _finders():
        if finder is redirect_for:
            continue
        if found := finder(_Probe(path, query)):
            return found[0]
    return None


def clean_redirect(redirect, live_check=None):
    """Validate a Redirect: safe target, and no loop, no chain, no live page hidden.

    `live_check(path)` says whether the site answers `path` with a page; the admin passes
    one that asks the site itself.
    """
    errors = {}
    try:
        redirect.old_path, redirect.old_query = split_old_address(redirect.old_address)
    except ValidationError as error:
        errors["old_path"] = error.messages
    try:
        redirect.target = check_target(redirect.target)
    except ValidationError as error:
        errors["target"] = error.messages
    if errors:
        raise ValidationError(errors)

    duplicate = Redirect.objects.filter(old_path=redirect.old_path, old_query=redirect.old_query)
    if duplicate.exclude(pk=redirect.pk).exists():
        raise ValidationError(
            {"old_path": f"There is already a redirect from {redirect.old_address}: edit that one."}
        )

    target = _internal_path(redirect.target)
    if target is not None:
        target_path, target_query = target[0], normalise_query(target[1])
        if (target_path, target_query) == (redirect.old_path, redirect.old_query) or (
            target_path == redirect.old_path and not redirect.old_query
        ):
            raise ValidationError({"target": "The new address is the old address itself."})
        hops, seen, address = [], {(redirect.old_path, redirect.old_query)}, target
        while address is not None and len(hops) < MAX_HOPS:
            path, query = address
            following = _next_hop(path, query, redirect.pk)
            if following is None:
                break
            hops.append(following)
            address = _internal_path(following)
            if address is not None:
                address = (address[0], normalise_query(address[1]))
                if address in seen or (address[0] == redirect.old_path and not redirect.old_query):
                    raise ValidationError(
                        {
                            "target": f"{redirect.target} already redirects back to "
                            f"{redirect.old_address}: this would make a loop readers can "
                            "never leave."
                        }
                    )
                seen.add(address)
        if hops:
            final = hops[-1]
            raise ValidationError(
                {
                    "target": f"{redirect.target} already redirects to {final}. Enter {final} "
                    "as the new address, so readers get there in one step."
                }
            )

    pointing_here = (
        Redirect.objects.filter(target__in=_spellings(redirect.old_address))
        .exclude(pk=redirect.pk)
        .first()
    )
    if pointing_here is not None:
        raise ValidationError(
            {
                "old_path": f"The redirect from {pointing_here.old_address} already sends "
                f"readers to {redirect.old_address}. Point that one at {redirect.target} "
                "first, so that no reader is sent through two redirects."
            }
        )

    looked_up_anyway = redirect.old_query and redirect.old_path in PAGES_WITH_OLD_QUERY_ADDRESSES
    if not looked_up_anyway and live_check is not None and live_check(redirect.old_path):
        raise ValidationError(
            {
                "old_path": f"{redirect.old_path} is a page on the site today. A redirect "
                "from it would never be used: redirects answer only addresses with no page "
                "(and the home page's old addresses, such as /?p=123)."
            }
        )


def _spellings(address):
    """The ways a target may spell an old address: with and without its final slash."""
    path, _, query = address.partition("?")
    other = path[:-1] if path.endswith("/") and len(path) > 1 else path + "/"
    suffix = f"?{query}" if query else ""
    return [address, other + suffix]
