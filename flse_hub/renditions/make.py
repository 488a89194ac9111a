"""Making renditions: resized WebP (and optionally AVIF) copies plus a JPEG or PNG fallback.

Pillow directly rather than a thumbnail library (sorl-thumbnail, easy-thumbnails,
django-imagekit): those make renditions on first request, inside the reader's
request, and cache them by their own keys, while here they are made once by the
worker and recorded in our own table. Pillow already decodes and re-encodes every
upload (flse_hub.uploads), so this adds no dependency. JPEG sources are decoded at a
reduced scale (Image.draft: the decoder skips the detail it would throw away), which
makes an 8000 px photo about ten times cheaper to shrink.
"""

import io
import logging
import math
import secrets
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image, ImageOps, features

from flse_hub.renditions.models import Rendition

logger = logging.getLogger(__name__)

WIDTHS = (400, 800, 1200, 1600)
FOLDER = "renditions"
FALLBACKS = {Rendition.Format.JPEG, Rendition.Format.PNG}


def modern_formats():
    """WebP always; AVIF when enabled in settings and this Pillow can write it."""
    formats = [Rendition.Format.WEBP]
    if settings.FLSE_RENDITION_AVIF and features.check("avif"):
        formats.insert(0, Rendition.Format.AVIF)
    return formats


def target_widths(source_width):
    """The standard widths below the source's, and the source's own if it is not larger
    than the largest: never upscaled, and a small image still gets a rendition."""
    widths = [w for w in WIDTHS if w < source_width]
    if 0 < source_width <= WIDTHS[-1]:
        widths.append(source_width)
    return widths


def _has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _encode(image, fmt):
    out = io.BytesIO()
    if fmt == Rendition.Format.WEBP:
        image.save(out, "WEBP", quality=75, method=4)
    elif fmt == Rendition.Format.AVIF:
        image.save(out, "AVIF", quality=55, speed=8)
    elif fmt == Rendition.Format.JPEG:
        image.save(out, "JPEG", quality=80, optimize=True, progressive=True)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _open(data, largest_width):
    """The decoded image, upright, in RGB(A) or L, at no less than `largest_width`."""
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    turned = image.getexif().get(0x0112) in (5, 6, 7, 8)
    if image.format == "JPEG" and largest_width:
        # Upright width `largest_width` needs this much of the stored (unturned) image.
        wanted = largest_width / (height if turned else width)
        image.draft("RGB", (math.ceil(width * wanted), math.ceil(height * wanted)))
    image = ImageOps.exif_transpose(image)
    if _has_alpha(image):
        return image.convert("RGBA")
    return image.convert("L" if image.mode in ("1", "L") else "RGB")


def make_renditions(storage, source):
    """Make the renditions of stored image `source` that do not exist yet; returns counts.

    Safe to run twice at once: the unique constraint keeps one of each, and the loser
    removes its file.
    """
    existing = set(Rendition.objects.filter(source=source).values_list("format", "width"))
    try:
        with storage.open(source) as stored:
            data = stored.read()
    except (FileNotFoundError, OSError):
        logger.warning("Rendition source %s is not in storage; nothing made.", source)
        return {"made": 0, "missing_source": 1}
    with warnings.catch_warnings():
        # The upload was checked against FLSE_IMAGE_MAX_PIXELS when it was stored.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            header = Image.open(io.BytesIO(data))
            turned = header.getexif().get(0x0112) in (5, 6, 7, 8)
            source_width = header.size[1] if turned else header.size[0]
            fallback = Rendition.Format.PNG if _has_alpha(header) else Rendition.Format.JPEG
            formats = [*modern_formats(), fallback]
            wanted = [
                (fmt, w)
                for w in target_widths(source_width)
                for fmt in formats
                if (fmt, w) not in existing
            ]
            if not wanted:
                return {"made": 0}
            image = _open(data, max(w for _, w in wanted))
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            logger.warning("Rendition source %s could not be read: %s", source, error)
            return {"made": 0, "unreadable_source": 1}
    made = []
    source_height = image.height * source_width / image.width
    for width in sorted({w for _, w in wanted}, reverse=True):
        height = max(1, round(source_height * width / source_width))
        # Each from the one before, not from the source: a 400 px copy of a 1200 px
        # image looks the same and costs a ninth of a resize from the decoded source.
        if (width, height) != image.size:
            image = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        resized = image
        for fmt in formats:
            if (fmt, width) in wanted:
                made.extend(_store(storage, source, resized, fmt, width, height))
    if made and not storage.exists(source):
        # The source was removed while we worked: its removal found no renditions to
        # take with it, so these go now.
        remove(storage, Rendition.objects.filter(pk__in=[r.pk for r in made]))
        return {"made": 0, "missing_source": 1}
    return {"made": len(made)}


def _store(storage, source, image, fmt, width, height):
    content = _encode(image, fmt)
    name = storage.save(f"{FOLDER}/{secrets.token_urlsafe(16)}.{fmt}", ContentFile(content))
    try:
        with transaction.atomic():
            rendition = Rendition.objects.create(
                source=source, width=width, height=height, format=fmt, name=name,
                bytes=len(content),
            )  # fmt: skip
    except IntegrityError:
        # Another worker made this one first.
        storage.delete(name)
        return []
    return [rendition]


def remove(storage, renditions):
    """Delete these renditions' rows, then their files (a failed file delete leaves an
    unreferenced file, never a row pointing at nothing)."""
    renditions = list(renditions)
    Rendition.objects.filter(pk__in=[r.pk for r in renditions]).delete()
    for rendition in renditions:
        try:
            storage.delete(rendition.name)
        except OSError:
            logger.exception("Could not delete rendition file %s", rendition.name)
    return len(renditions)
