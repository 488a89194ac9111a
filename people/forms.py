from django import forms
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from people import consent
from people.addresses import normalise_email
from people.topics import topic_choices

HONEYPOT_FIELD = "website"


class EmailAddressField(forms.CharField):
    """An email address, normalised (see people.addresses) and validated."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 320)  # room for what people paste; checked after
        super().__init__(**kwargs)
        self.error_messages["required"] = _("Enter your email address")

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs | {"autocomplete": "email", "spellcheck": "false"}

    def clean(self, value):
        value = super().clean(value)
        return normalise_email(value) if value else value


class NewsletterSignupForm(forms.Form):
    email = EmailAddressField(label=_("Email address"), widget=forms.EmailInput)
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"max_length": _("Name must be 200 characters or fewer")},
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics you are most interested in (optional)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose topics from the list")},
    )
    consent_version = forms.TypedChoiceField(
        coerce=int,
        choices=consent.version_choices,
        initial=consent.CURRENT_VERSION,
        widget=forms.HiddenInput,
        required=False,
        empty_value=consent.CURRENT_VERSION,
    )
    source = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)
    # The honeypot: hidden from people and assistive technology (see the template);
    # bots filling every field fill it.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, with_topics=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_topics:
            self.fields["topics"].choices = topic_choices()
        else:
            del self.fields["topics"]

    def is_bot(self):
        return bool(self.data.get(self.add_prefix(HONEYPOT_FIELD), "").strip())

    def clean_source(self):
        # Only a path on this site; anything else is not recorded.
        source = self.cleaned_data["source"]
        if source and url_has_allowed_host_and_scheme(source, allowed_hosts=None):
            return source if source.startswith("/") else ""
        return ""


class ManageLinkForm(forms.Form):
    """ "Change my topics or leave": the address to send a link to."""

    email = EmailAddressField(label=_("Email address"), widget=forms.EmailInput)
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def is_bot(self):
        return bool(self.data.get(self.add_prefix(HONEYPOT_FIELD), "").strip())


class PreferencesForm(forms.Form):
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics you are most interested in"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose topics from the list")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = topic_choices()
