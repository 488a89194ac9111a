import json
import logging
import sys

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.defaults import server_error as django_server_error

from flse_hub import ratelimit
from flse_hub.middleware import database_unavailable, service_unavailable
from flse_hub.security import client_ip

csp_logger = logging.getLogger("flse_hub.csp")

# The two ways browsers send CSP violations: `report-uri` (one object under
# "csp-report") and the Reporting API's `report-to` (a list of reports).
CSP_REPORT_TYPES = ("application/csp-report", "application/reports+json", "application/json")
# A genuine report is well under 2 KB; a page with many violations sends a few dozen.
CSP_REPORT_MAX_BYTES = 16 * 1024
CSP_REPORTS_LOGGED_PER_REQUEST = 10
CSP_REPORT_RATE_PER_IP = (60, 600)
CSP_LOGGED_CHARS = 200


def robots_txt(request):
    """Crawlers may read everything public; the sitemap lists it."""
    lines = ["User-agent: *"]
    # Only the well-known default is named: printing a custom admin address
    # here would publish what DJANGO_ADMIN_PATH is meant to keep unguessable.
    if settings.ADMIN_PATH == "admin/":
        lines.append(f"Disallow: {reverse('admin:index')}")
    lines.append("Allow: /")
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def server_error(request):
    """handler500: a database outage raised outside any view (in a middleware) is still
    a 503; anything else is the standalone 500 page, never cached."""
    if database_unavailable(sys.exc_info()[1]):
        return service_unavailable()
    response = django_server_error(request)
    add_never_cache_headers(response)
    return response


def _plain(status, message):
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


# Browsers post reports without the page's CSRF token (they cannot have one).
@csrf_exempt
@require_POST
def csp_report(request):
    """Log browsers' Content-Security-Policy violation reports, one compact line each.

    Anyone can post here, so it is bounded: a capped body, a rate limit per client
    address, a few reports logged per request, and each value cut short and stripped
    of control characters so a report cannot forge log lines. Junk gets a 4xx.
    """
    if not ratelimit.allow("csp-report", client_ip(request), CSP_REPORT_RATE_PER_IP):
        response = _plain(429, "Too many reports.")
        response["Retry-After"] = str(CSP_REPORT_RATE_PER_IP[1])
        return response
    if request.content_type not in CSP_REPORT_TYPES:
        return _plain(415, "Send a CSP report (application/csp-report or reports+json).")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > CSP_REPORT_MAX_BYTES:
        return _plain(413, "Report too large.")
    body = request.read(CSP_REPORT_MAX_BYTES + 1)
    if len(body) > CSP_REPORT_MAX_BYTES:
        return _plain(413, "Report too large.")
    try:
        reports = _violations(json.loads(body))
    except (ValueError, RecursionError):
        return _plain(400, "Not a CSP report.")
    if not reports:
        return _plain(400, "Not a CSP report.")
    for report in reports[:CSP_REPORTS_LOGGED_PER_REQUEST]:
        csp_logger.warning(
            "CSP violation: %s blocked %s on %s (%s:%s)",
            *(
                _loggable(report.get(key))
                for key in ("directive", "blocked", "page", "source", "line")
            ),
        )
    return HttpResponse(status=204)


def _violations(data):
    """Each report in either format as {directive, blocked, page, source, line}."""
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        body = data["csp-report"]
        return [
            {
                "directive": body.get("effective-directive") or body.get("violated-directive"),
                "blocked": body.get("blocked-uri"),
                "page": body.get("document-uri"),
                "source": body.get("source-file"),
                "line": body.get("line-number"),
            }
        ]
    if isinstance(data, list):
        return [
            {
                "directive": body.get("effectiveDirective"),
                "blocked": body.get("blockedURL"),
                "page": body.get("documentURL") or item.get("url"),
                "source": body.get("sourceFile"),
                "line": body.get("lineNumber"),
            }
            for item in data
            if isinstance(item, dict)
            and item.get("type") == "csp-violation"
            and isinstance(body := item.get("body"), dict)
        ]
    return []


def _loggable(value):
    """A short, single-line, printable rendering of one reported value."""
    if value is None or value == "":
        return "-"
    if isinstance(value, int | float):
        return str(value)[:CSP_LOGGED_CHARS]
    if not isinstance(value, str):
        return f"<{type(value).__name__}>"
    return "".join(ch if ch.isprintable() else "?" for ch in value[:CSP_LOGGED_CHARS])
