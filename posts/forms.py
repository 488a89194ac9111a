from django import forms
from django.utils.translation import gettext_lazy as _

from posts.models import Topic

# The years a reader may filter by. Search addresses a year by its run of sort keys
# (posts.search.keys: seconds x 10^9 in a signed 64-bit integer, so only up to 2262)
# and Python dates end at 9999; 2262 was a 500 on SQLite and 9999 on PostgreSQL. The
# hub's posts start in the 2010s: this leaves a wide margin on both sides.
MIN_YEAR, MAX_YEAR = 1900, 2100
# Topic.slug's max_length: a longer ?topic= cannot name one.
TOPIC_SLUG_LENGTH = Topic._meta.get_field("slug").max_length


class PostFilterForm(forms.Form):
    """The ?topic= and ?year= filters of the post list."""

    topic = forms.SlugField(
        label=_("Topic"),
        required=False,
        max_length=TOPIC_SLUG_LENGTH,
        error_messages={
            "invalid": _("There is no topic with that name."),
            "max_length": _("There is no topic with that name."),
        },
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        error_messages={
            "invalid": _("Enter the year as a whole number, such as 2022."),
            "min_value": _("Choose a year from %(limit_value)s onwards."),
            "max_value": _("Choose a year up to %(limit_value)s."),
        },
    )

    def clean_topic(self):
        slug = self.cleaned_data["topic"]
        if not slug:
            return None
        topic = Topic.objects.filter(slug=slug).first()
        if topic is None:
            raise forms.ValidationError(_("There is no topic with that name."))
        return topic
