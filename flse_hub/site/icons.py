"""Favicon and home-screen icons, made with Pillow from the logo in Site settings.

Rendered once per logo and size and kept in Django's cache (the key names the stored
logo file, whose random name changes with every upload), so a request for an icon
never decodes an image once the cache is warm. With no logo, or one that cannot be
read, the icons come from the default shipped in static/icons/.
"""

import io
import logging

from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

logger = logging.getLogger(__name__)

DEFAULT_ICON = "icons/default-icon.png"
PNG_SIZES = (192, 512)
APPLE_TOUCH_SIZE = 180
ICO_SIZES = [(16, 16), (32, 32), (48, 48)]
CACHE_SECONDS = 7 * 24 * 60 * 60
# Room around a logo: phones crop icons to circles and rounded squares.
PADDING = 0.1
BACKGROUND = (255, 255, 255, 255)


def _open_source(logo_name):
    if logo_name:
        try:
            with default_storage.open(logo_name) as stored:
                image = Image.open(stored)
                image.load()
                return image, False
        except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
            logger.warning("Site logo %s could not be read; using the default icon.", logo_name)
    with open(finders.find(DEFAULT_ICON), "rb") as shipped:
        image = Image.open(shipped)
        image.load()
        return image, True


def _square(image, size, full_bleed):
    """The image fitted into a size-pixel white square (the default icon fills it)."""
    image = image.convert("RGBA")
    if full_bleed:
        return image.resize((size, size), Image.Resampling.LANCZOS)
    inner = round(size * (1 - 2 * PADDING))
    image.thumbnail((inner, inner), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (size, size), BACKGROUND)
    canvas.alpha_composite(image, ((size - image.width) // 2, (size - image.height) // 2))
    return canvas


def render(logo_name, kind):
    """The bytes of one icon: kind is "ico", "apple-touch" or a PNG size (192, 512)."""
    key = f"site-icon:{logo_name or 'default'}:{kind}"
    data = cache.get(key)
    if data is not None:
        return data
    source, full_bleed = _open_source(logo_name)
    out = io.BytesIO()
    if kind == "ico":
        _square(source, 48, full_bleed).save(out, "ICO", sizes=ICO_SIZES)
    elif kind == "apple-touch":
        # iOS paints transparency black: the touch icon is opaque.
        _square(source, APPLE_TOUCH_SIZE, full_bleed).convert("RGB").save(out, "PNG")
    else:
        _square(source, int(kind), full_bleed).save(out, "PNG", optimize=True)
    data = out.getvalue()
    cache.set(key, data, CACHE_SECONDS)
    return data
