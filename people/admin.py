from django.contrib import admin

from people.models import Person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "email", "show_email"]
    list_filter = ["show_email"]
    search_fields = ["name", "job_title", "email"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "job_title", "bio"]}),
        ("Photo", {"fields": ["photo", "photo_alt"]}),
        ("Contact", {"fields": ["email", "show_email"]}),
    ]
