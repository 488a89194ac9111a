"""Email address normalisation and the keyed hash used for erased addresses."""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

MAX_LENGTH = 254


def normalise_email(raw):
    """Strip, lower-case and IDNA-encode the domain, then validate; raise ValidationError.

    The local part keeps its case (RFC 5321 lets servers treat it as
    significant); uniqueness ignores case in the database instead.
    """
    address = (raw or "").strip()
    if not address:
        raise ValidationError(_("Enter your email address"), code="required")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError(
            _("Enter an email address in the correct format, like name@example.com"),
            code="invalid",
        )
    try:
        domain = domain.rstrip(".").lower().encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(
            _("Enter an email address in the correct format, like name@example.com"),
            code="invalid",
        ) from None
    address = f"{local}@{domain}"
    if len(address) > MAX_LENGTH:
        raise ValidationError(_("Email address must be 254 characters or fewer"), code="max_length")
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(
            _("Enter an email address in the correct format, like name@example.com"),
            code="invalid",
        ) from None
    return address


def address_hash(email):
    """HMAC-SHA256 of the case-folded address, keyed so a leaked table reveals nothing."""
    key = settings.NEWSLETTER_SUPPRESSION_KEY.encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()
