"""Small response-header middleware the framework does not provide itself."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import split_directive_names


class PermissionsPolicyMiddleware:
    """Send Permissions-Policy (settings.PERMISSIONS_POLICY) on every response.

    The hub never needs a camera, microphone, location or payment, so a page
    (or anything injected into one) is refused them outright.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class PrivateResponsesMiddleware:
    """Never let a shared cache keep a page meant for one person.

    Views mark public pages cacheable (flse_hub.caching.public_page). That is
    overridden here when the response turned out to be personal after all: the
    visitor is signed in, the page carries a CSRF token (a form), or it sets a
    cookie. Listed above SessionMiddleware so it sees the session cookie too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "public" in split_directive_names(response.get("Cache-Control", "")) and (
            self._is_personal(request, response)
        ):
            del response.headers["Cache-Control"]
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            # A private page must not be revalidated against the public copy.
            response.headers.pop("Last-Modified", None)
            response.headers.pop("ETag", None)
        return response

    @staticmethod
    def _is_personal(request, response):
        user = getattr(request, "user", None)
        return bool(
            (user is not None and user.is_authenticated)
            or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            or response.cookies
        )
