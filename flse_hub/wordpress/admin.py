from django.contrib import admin

from flse_hub.wordpress.models import ImportedItem


@admin.register(ImportedItem)
class ImportedItemAdmin(admin.ModelAdmin):
    """Read-only: rows are written by manage.py import_wordpress alone."""

    list_display = ["wordpress_id", "kind", "hub_object", "source", "updated_at"]
    list_filter = ["kind", "source"]
    search_fields = ["wordpress_id", "guid"]
    list_select_related = ["content_type"]
    # Nothing to do to these rows in bulk: deleting one would make the next run re-create
    # its hub object.
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
