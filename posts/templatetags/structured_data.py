import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import _json_script_escapes, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def json_ld(data):
    """A <script type="application/ld+json"> block, escaped exactly as json_script does.

    < > & become \\u003C \\u003E \\u0026, so the data can never close the element.
    A data block is never executed, so the CSP's script-src does not apply to it
    and it needs no nonce (a nonce would also make every page's ETag unique).
    """
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(
        _json_script_escapes
    )
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308
