from django import template

from people import consent

register = template.Library()


@register.simple_tag
def consent_wording():
    """The current consent statement, as shown beside every signup form."""
    return consent.wording()


@register.simple_tag
def privacy_notice_url():
    """The privacy notice's address, linked from every signup form."""
    return consent.privacy_notice_url()


@register.simple_tag
def consent_version():
    return consent.CURRENT_VERSION
