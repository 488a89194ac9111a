"""Finding a stored image's renditions for a page, in one query per list of images.

Pages never make renditions and never open media files: they show what the worker
has made so far, and the original only while nothing has been made.
"""

from django.core.files.storage import default_storage
from django.db import models

from flse_hub.renditions.make import FALLBACKS
from flse_hub.renditions.models import Rendition

CACHE_ATTRIBUTE = "_flse_renditions"
# Most preferred first: a browser takes the first <source> whose type it supports.
MODERN_ORDER = [Rendition.Format.AVIF, Rendition.Format.WEBP]


def _follow(obj, path):
    """`obj.hero_image.file` for "hero_image__file"; None where a link is empty."""
    for name in path.split("__"):
        obj = getattr(obj, name, None) if obj is not None else None
    return obj


def attach(objects, *field_names):
    """Look up the renditions of these objects' image fields in one query. A name may
    follow foreign keys ("hero_image__file"): select_related them, or each row costs a
    query for the related row."""
    files = [f for obj in objects for name in field_names if (f := _follow(obj, name))]
    if not files:
        return
    found = {}
    for rendition in Rendition.objects.filter(source__in={f.name for f in files}):
        found.setdefault(rendition.source, []).append(rendition)
    for fieldfile in files:
        setattr(fieldfile, CACHE_ATTRIBUTE, found.get(fieldfile.name, []))


def renditions_of(fieldfile):
    """The renditions of an image field's file (from attach(), or one query)."""
    if not hasattr(fieldfile, CACHE_ATTRIBUTE):
        setattr(fieldfile, CACHE_ATTRIBUTE, list(Rendition.objects.filter(source=fieldfile.name)))
    return getattr(fieldfile, CACHE_ATTRIBUTE)


class RenditionsQuerySetMixin:
    """`.with_renditions("photo")` or `.with_renditions("hero_image__file")` (through a
    foreign key): the rows' renditions come with them, in one query per evaluation, like
    prefetch_related."""

    _rendition_fields = ()

    def with_renditions(self, *field_names):
        clone = self._chain()
        clone._rendition_fields = (*self._rendition_fields, *field_names)
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._rendition_fields = self._rendition_fields
        return clone

    def _fetch_all(self):
        fetched = self._result_cache is not None
        super()._fetch_all()
        if (
            not fetched
            and self._rendition_fields
            and issubclass(self._iterable_class, models.query.ModelIterable)
        ):
            attach(self._result_cache, *self._rendition_fields)


def source_size(fieldfile):
    """(width, height) stored beside an image field, or None."""
    field = fieldfile.field
    width_field = getattr(field, "width_field", None)
    height_field = getattr(field, "height_field", None)
    if width_field and height_field:
        width = getattr(fieldfile.instance, width_field)
        height = getattr(fieldfile.instance, height_field)
        if width and height:
            return width, height
    return None


def _srcset(renditions):
    return ", ".join(f"{default_storage.url(r.name)} {r.width}w" for r in renditions)


def _nearest(renditions, width):
    """The smallest rendition at least `width` wide, else the largest there is."""
    wide_enough = [r for r in renditions if r.width >= width]
    return min(wide_enough, key=lambda r: r.width) if wide_enough else renditions[-1]


def picture(fieldfile, *, default_width=800):
    """What the <picture> include needs: the modern <source>s, the fallback <img>'s src and
    srcset, and its width and height (the source's aspect ratio, at most as wide as the
    largest rendition, so no `width="8000"`)."""
    renditions = sorted(renditions_of(fieldfile), key=lambda r: r.width)
    sources = []
    for fmt in MODERN_ORDER:
        of_format = [r for r in renditions if r.format == fmt]
        if of_format:
            sources.append({"type": of_format[0].content_type, "srcset": _srcset(of_format)})
    fallbacks = [r for r in renditions if r.format in FALLBACKS]
    size = source_size(fieldfile)
    if renditions and not size:
        largest = renditions[-1]
        size = largest.width, largest.height
    width = height = None
    if size:
        width, height = size
        if renditions and width > renditions[-1].width:
            width, height = renditions[-1].width, round(height * renditions[-1].width / width)
    return {
        "sources": sources,
        "src": (
            default_storage.url(_nearest(fallbacks, default_width).name)
            if fallbacks
            else fieldfile.url
        ),
        "srcset": _srcset(fallbacks),
        "width": width,
        "height": height,
    }


def share_image_url(fieldfile, width=1200):
    """A JPEG or PNG rendition about `width` wide for og:image (WebP is not read by every
    site that unfurls links), or the original while none has been made."""
    fallbacks = sorted(
        (r for r in renditions_of(fieldfile) if r.format in FALLBACKS), key=lambda r: r.width
    )
    return default_storage.url(_nearest(fallbacks, width).name) if fallbacks else fieldfile.url
