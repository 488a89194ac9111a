from django import forms
from django.utils.translation import gettext_lazy as _

from posts.forms import PostFilterForm
from posts.search import MAX_PAGE
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
    # search() pages no further than MAX_PAGE; a larger number is refused, not
    # quietly turned into another page.
    page = forms.IntegerField(
        label=_("Page"),
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        error_messages={
            "invalid": _("The page must be a whole number, such as 2."),
            "min_value": _("The page must be %(limit_value)s or more."),
            "max_value": _("Results go no further than page %(limit_value)s."),
        },
    )
