from django import template

from posts.media.body import render_body_images

register = template.Library()


@register.filter
def with_library_images(html):
    """A sanitised body with its library images drawn by includes/image.html."""
    return render_body_images(html or "")
