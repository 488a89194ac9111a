from django import template

from flse_hub.renditions import lookup

register = template.Library()


@register.inclusion_tag("includes/responsive_image.html")
def responsive_image(
    fieldfile, alt="", sizes="100vw", eager=False, css_class="", width=800, loading="", crop=""
):
    """`{% responsive_image post.hero_image alt=post.hero_image_alt sizes="…" eager=True %}`:
    a <picture> of the image's renditions. `eager` (or loading="eager", as the media
    library's includes/image.html passes it) for an image above the fold (the page's
    main image): fetched first; the others load lazily. `width` is the width the plain
    src should be nearest to, for browsers without srcset. `crop`: further classes (the
    library's focal point) after `css_class`."""
    classes = " ".join(c for c in (css_class, crop) if c)
    context = {
        "alt": alt,
        "sizes": sizes,
        "eager": eager or loading == "eager",
        "css_class": classes,
    }
    if fieldfile:
        context.update(lookup.picture(fieldfile, default_width=width or 800))
    return context
