from django import forms
from django.urls import reverse
from django.utils.http import urlencode

from posts.media.models import Image
from posts.media.thumbnails import thumbnail

RECENT_CHOICES = 50


class ImageChooserSelect(forms.Select):
    """A plain <select> of recent library images (and the current one), with a preview
    and a link to the chooser (search, all images, upload new).

    Without JS the select works alone and the link opens the library in a new tab; with
    JS (static/js/image-field.js) the link opens the chooser, which fills the select.
    """

    template_name = "media/widgets/image_select.html"

    class Media:
        js = ["js/image-field.js"]
        css = {"all": ["css/media-admin.css"]}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        field_id = context["widget"]["attrs"].get("id", "")
        context["chooser_url"] = (
            reverse("admin:media_image_choose")
            + "?"
            + urlencode({"mode": "hero", "field": field_id})
        )
        pk = value[0] if isinstance(value, (list, tuple)) and value else value
        image = Image.objects.filter(pk=pk).first() if str(pk or "").isdigit() else None
        # Drawn by the site's one image template (the form renderer cannot see it).
        context["preview"] = thumbnail(image) if image else ""
        return context


class LibraryImageField(forms.ModelChoiceField):
    """Accepts any library image; offers only the most recent ones (and the current one)
    in its <select>, so the page stays small however large the library grows."""

    widget = ImageChooserSelect

    def __init__(self, **kwargs):
        super().__init__(queryset=Image.objects.all(), **kwargs)

    def offer(self, current_pk=None):
        recent = list(Image.objects.only("pk", "title")[:RECENT_CHOICES])
        if current_pk and all(image.pk != current_pk for image in recent):
            recent += list(Image.objects.filter(pk=current_pk).only("pk", "title"))
        self.widget.choices = [("", "— no image —")] + [(i.pk, i.title) for i in recent]
