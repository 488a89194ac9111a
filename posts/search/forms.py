from django import forms
from django.utils.translation import gettext_lazy as _

from posts.forms import PostFilterForm
from posts.search.query import MAX_QUERY_LENGTH


class SearchForm(PostFilterForm):
    """?q= with the post list's ?topic= and ?year= filters, and ?page=."""

    q = forms.CharField(
        label=_("Search posts"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": _("Search terms can be at most %(limit_value)d characters long.")
        },
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=1000)
