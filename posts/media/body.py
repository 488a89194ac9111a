"""Library images inside a post's body, stored as <img data-file="ID"> (and <figure>).

The sanitiser (posts.sanitize) has already reduced the body to allowed tags and
attributes, serialised by html5ever: attributes in double quotes, `"`, `<`, `>` and `&`
escaped. These patterns rely on that form and run only on sanitised HTML.
"""

import re

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from flse_hub.renditions.lookup import attach

IMG_TAG = re.compile(r'<img((?:\s+[a-z-]{1,20}(?:="[^"]{0,2000}")?){0,10})\s*/?>')
ATTRIBUTE = re.compile(r'([a-z-]{1,20})(?:="([^"]{0,2000})")?')
FIGURE = re.compile(r"<figure>(.{0,20000}?)</figure>", re.DOTALL)
FIGCAPTION = re.compile(r"<figcaption>(.{0,5000}?)</figcaption>", re.DOTALL)
FIGURE_OR_IMG = re.compile(rf"(?P<figure>{FIGURE.pattern})|(?P<img>{IMG_TAG.pattern})", re.DOTALL)
MAX_BODY_IMAGES = 200


def _attributes(tag_match):
    return dict(ATTRIBUTE.findall(tag_match.group(1)))


def _unescape(value):
    return (
        value.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )


def body_image_ids(html):
    """The library ids of the images in a sanitised body, in order, at most 200."""
    ids = []
    for match in IMG_TAG.finditer(html or ""):
        value = _attributes(match).get("data-file", "")
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    return ids[:MAX_BODY_IMAGES]


def resolve_body_images(html):
    """(html, ids): every <img> rewritten from its library record; others removed.

    Only library images survive, with the address, size and (unless the writer gave
    one) description of the record. A figure left without an image goes too.
    """
    from posts.media.models import Image

    ids = body_image_ids(html)
    images = Image.objects.in_bulk(ids) if ids else {}

    def rewrite(match):
        attrs = _attributes(match)
        value = attrs.get("data-file", "")
        image = images.get(int(value)) if value.isdigit() else None
        if image is None or not image.file:
            return ""
        alt = _unescape(attrs.get("alt", "")).strip() or image.alt_text
        size = (
            f' width="{image.width}" height="{image.height}"'
            if image.width and image.height
            else ""
        )
        return (
            f'<img src="{escape(image.file.url)}" alt="{escape(alt)}"{size} data-file="{image.pk}">'
        )

    html = IMG_TAG.sub(rewrite, html or "")
    html = FIGURE.sub(lambda m: m.group(0) if "<img" in m.group(1) else "", html)
    return html, [i for i in ids if i in images]


def record_body_images(uses, owner_field, owner, image_ids):
    """Make `uses` (a model of owner/image rows, e.g. PostBodyImage) list exactly
    `image_ids` for `owner`: rows for images gone from the body go, new ones come."""
    ids = set(image_ids)
    mine = uses.objects.filter(**{owner_field: owner})
    mine.exclude(image_id__in=ids).delete()
    known = set(mine.values_list("image_id", flat=True))
    uses.objects.bulk_create(
        [uses(**{owner_field: owner, "image_id": i}) for i in sorted(ids - known)]
    )


def render_body_images(html):
    """The body with each library image drawn by includes/image.html (one query).

    Pages show what the record says now (a replaced file, a corrected description) and
    the one image template decides the markup: a <picture> of the renditions.
    """
    from posts.media.models import Image

    ids = body_image_ids(html)
    if not ids:
        return mark_safe(html)  # noqa: S308 — a body is sanitised before it is stored
    images = Image.objects.in_bulk(ids)
    # All the body's renditions in one query, not one per image.
    attach(images.values(), "file")

    def draw_img(match):
        attrs = _attributes(match)
        value = attrs.get("data-file", "")
        image = images.get(int(value)) if value.isdigit() else None
        if image is None:
            return ""
        alt = _unescape(attrs.get("alt", ""))
        return render_to_string(
            "includes/image.html",
            {
                "image": image,
                "alt": alt or image.alt_text,
                "loading": "lazy",
                "sizes": "(min-width: 42.5rem) 40rem, calc(100vw - 2rem)",
            },
        ).strip()

    def draw_figure(match):
        inner = match.group(1)
        if "<img" not in inner:
            return ""
        image_html = IMG_TAG.sub(draw_img, inner)
        caption = FIGCAPTION.search(inner)
        img = IMG_TAG.search(inner)
        value = _attributes(img).get("data-file", "") if img else ""
        image = images.get(int(value)) if value.isdigit() else None
        credit = image.credit if image else ""
        parts = FIGCAPTION.sub("", image_html).strip()
        if caption or credit:
            text = caption.group(1) if caption else ""
            credit_html = f' <span class="figure__credit">{escape(credit)}</span>' if credit else ""
            parts += f"<figcaption>{text}{credit_html}</figcaption>"
        return f'<figure class="figure">{parts}</figure>'

    def draw(match):
        # One pass: a figure, or an image outside any figure (the editor makes both).
        if match.group("figure") is not None:
            return draw_figure(FIGURE.match(match.group(0)))
        return draw_img(IMG_TAG.match(match.group(0)))

    # Sanitised body, with images from the escaping image template.
    return mark_safe(FIGURE_OR_IMG.sub(draw, html))  # noqa: S308


_SRC = re.compile(r'(\ssrc=")(/(?!/)[^"]{0,2000})"')


def absolute_image_urls(html, build_absolute_uri):
    """The body with its images' site-relative addresses made absolute (for feeds, which
    are read away from the site)."""

    def absolute(src):
        return f'{src.group(1)}{escape(build_absolute_uri(src.group(2)))}"'

    return IMG_TAG.sub(lambda tag: _SRC.sub(absolute, tag.group(0)), html or "")
