from django import forms

from posts.previews.models import MESSAGE_MAX_LENGTH, NAME_MAX_LENGTH
from posts.previews.services import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS

# Which version the page showed: the answer is about that version and no other.
FINGERPRINT_FIELD = forms.RegexField(
    regex=r"\A[0-9a-f]{64}\Z",
    widget=forms.HiddenInput,
    error_messages={
        "required": "This form was sent without the page it came from. Reload the page and "
        "try again.",
        "invalid": "This form was sent without the page it came from. Reload the page and "
        "try again.",
    },
)


class AgreeForm(forms.Form):
    """ "I agree to this version being published": the name is their signature."""

    name = forms.CharField(
        label="Your name",
        max_length=NAME_MAX_LENGTH,
        help_text="Type your name to agree. Only the hub's staff see it.",
        error_messages={
            "required": "Type your name to agree to this version.",
            "max_length": f"Your name must be {NAME_MAX_LENGTH} characters or fewer.",
        },
    )
    fingerprint = FINGERPRINT_FIELD

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="agree", **kwargs)
        self.fields["name"].widget.attrs.update(autocomplete="name")


class ChangesForm(forms.Form):
    """ "I have changes": what they would like changed, in their words."""

    message = forms.CharField(
        label="What would you like changed?",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"Up to {MESSAGE_MAX_LENGTH} characters. Only the hub's staff see it.",
        error_messages={
            "required": "Write what you would like changed.",
            "max_length": f"Your message must be {MESSAGE_MAX_LENGTH} characters or fewer "
            "(it has %(show_value)d). Shorten it, or say the rest by email.",
        },
    )
    name = forms.CharField(
        label="Your name (optional)",
        max_length=NAME_MAX_LENGTH,
        required=False,
        error_messages={"max_length": f"Your name must be {NAME_MAX_LENGTH} characters or fewer."},
    )
    fingerprint = FINGERPRINT_FIELD

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="changes", **kwargs)
        self.fields["name"].widget.attrs.update(autocomplete="name")


class NewPreviewLinkForm(forms.Form):
    recipient = forms.CharField(
        label="Who is it for?",
        max_length=100,
        help_text="A name staff will recognise, e.g. ‘Sam, contributor’. The page greets the "
        "person holding the link with it.",
    )
    days = forms.IntegerField(
        label="Works for (days)",
        min_value=MIN_DAYS,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text=f"{MIN_DAYS} to {MAX_DAYS} days.",
    )
    dies_on_change = forms.BooleanField(
        label="Stop working when the post changes",
        required=False,
        help_text="Tick if they should only ever see this version.",
    )
