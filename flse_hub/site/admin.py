from django import forms
from django.contrib import admin
from django.test import Client

from flse_hub.site.models import Redirect


def site_answers(request):
    """live_check for the admin: whether the site, asked as a reader would, has a page there.

    Asks the whole site (URLconf, views, middleware) through Django's in-process client,
    with the staff member's own host, which the site already accepted.
    """

    def answers(path):
        client = Client(HTTP_HOST=request.get_host(), raise_request_exception=False)
        response = client.get(path, secure=request.is_secure())
        return 200 <= response.status_code < 300

    return answers


class RedirectForm(forms.ModelForm):
    # Set by RedirectAdmin.get_form: how to ask whether a path has a live page.
    live_check = None

    class Meta:
        model = Redirect
        fields = ["old_path", "target", "status_code", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One box for the old address, query included; the model keeps the query apart.
        if self.instance.pk:
            self.initial["old_path"] = self.instance.old_address
        self.instance.live_check = self.live_check

    def clean(self):
        # The box holds the whole old address: the model splits the query off it again.
        self.instance.old_query = ""
        return super().clean()


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    form = RedirectForm
    list_display = ["old_address", "target", "status_code", "last_used_at", "note"]
    list_filter = ["status_code"]
    search_fields = ["old_path", "old_query", "target", "note"]
    readonly_fields = ["last_used_at", "created_at", "updated_at"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"live_check": staticmethod(site_answers(request))})
