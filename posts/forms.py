from django import forms

from posts.models import Topic


class PostFilterForm(forms.Form):
    """The ?topic= and ?year= filters of the post list."""

    topic = forms.SlugField(required=False)
    year = forms.IntegerField(required=False, min_value=1900, max_value=9999)

    def clean_topic(self):
        slug = self.cleaned_data["topic"]
        if not slug:
            return None
        topic = Topic.objects.filter(slug=slug).first()
        if topic is None:
            raise forms.ValidationError("There is no topic with that name.")
        return topic
