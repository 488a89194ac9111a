from django.contrib.admin.apps import AdminConfig


class FlseAdminConfig(AdminConfig):
    """django.contrib.admin with the project's site (flse_hub.admin.FlseAdminSite)."""

    default_site = "flse_hub.admin.FlseAdminSite"
    # Only by its dotted path in INSTALLED_APPS: never picked as `flse_hub`'s own config.
    default = False

    def ready(self):
        super().ready()  # every app's admin module registers on the site here
        from django.contrib import admin

        from flse_hub.admin import guard_axes_actions, guard_permission_pickers

        guard_axes_actions(admin.site)
        guard_permission_pickers(admin.site)
