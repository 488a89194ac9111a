"""The project's admin site: Django's, made to ask for permissions where Django does not.

Installed by `flse_hub.apps.FlseAdminConfig` in place of `django.contrib.admin`, so
`admin.site` everywhere (the apps' `@admin.register`, third-party admins) is this site.
"""

from django.contrib import admin
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core import checks
from django.http import Http404
from django.urls import path, reverse_lazy


class FlseAdminSite(admin.AdminSite):
    site_header = "FLSE Learning Hub"
    site_title = "FLSE Learning Hub admin"
    index_title = "Write and publish"

    def get_urls(self):
        urls = super().get_urls()
        view = self.admin_view(self.view_on_site)
        # As AdminSite.get_urls wraps its own views (LoginRequiredMiddleware reads these).
        view.admin_site = self
        view.login_url = reverse_lazy("admin:login", current_app=self.name)
        guarded = path("r/<int:content_type_id>/<path:object_id>/", view, name="view_on_site")
        return [guarded if getattr(url, "name", None) == "view_on_site" else url for url in urls]

    def view_on_site(self, request, content_type_id, object_id):
        """The admin's "View on site" link, for staff who may see the object in the admin.

        Django's own shortcut redirects any staff member, which hands them the public
        address (and so the existence and slug) of every draft and person. Anything the
        user may not view, or that is not in this admin at all, is the same 404 as an
        object that does not exist.
        """
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            raise Http404 from None
        model_admin = self._registry.get(model)
        # get_object goes through the model admin's queryset, as the change page does.
        obj = model_admin.get_object(request, object_id) if model_admin else None
        if (
            obj is None
            or not model_admin.view_on_site
            or not model_admin.has_view_or_change_permission(request, obj)
        ):
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)

    def check(self, app_configs):
        return [*super().check(app_configs), *self._check_action_permissions(app_configs)]

    def _check_action_permissions(self, app_configs):
        """Every action must say which permissions it needs (flse_hub.E001).

        An action without `permissions` is offered to anyone who can see the change
        list, view-only staff included, and runs whatever it does for them.
        """
        errors = []
        site_actions = [name for name, _ in self.actions]
        for model, model_admin in self._registry.items():
            if app_configs is not None and model._meta.app_config not in app_configs:
                continue
            if model_admin.actions is None:
                continue
            for name in dict.fromkeys([*site_actions, *model_admin.actions]):
                for location in admin.ActionLocation:
                    action = model_admin.get_action(name, location)
                    if action and not getattr(action.func, "allowed_permissions", None):
                        errors.append(
                            checks.Error(
                                f"The admin action {action.name!r} declares no permissions.",
                                hint="Decorate it with @admin.action(permissions=[...]) naming "
                                "the has_<name>_permission methods that allow it.",
                                obj=type(model_admin),
                                id="flse_hub.E001",
                            )
                        )
                        break
        return errors


def guard_axes_actions(site):
    """Give django-axes' "Clean up expired attempts" the permission it lacks.

    As shipped it declares none (any staff member who can see the attempts may delete
    them) and it crashes on a request django-axes has not annotated. It runs only after
    every app's admin module is loaded: importing `axes.admin` registers on this site.
    """
    from axes.admin import AccessAttemptAdmin
    from axes.handlers.proxy import AxesProxyHandler
    from axes.models import AccessAttempt

    if not site.is_registered(AccessAttempt):  # AXES_ENABLE_ADMIN = False
        return
    shipped = type(site.get_model_admin(AccessAttempt))
    if not issubclass(shipped, AccessAttemptAdmin):
        return
    cleanup = shipped.cleanup_expired_attempts

    class GuardedAccessAttemptAdmin(shipped):
        @admin.action(description=cleanup.short_description, permissions=["delete"])
        def cleanup_expired_attempts(self, request, queryset):
            # It deletes every expired attempt, selected or not: no per-row check applies.
            AxesProxyHandler.update_request(request)
            return cleanup(self, request, queryset)

    site.unregister(AccessAttempt)
    site.register(AccessAttempt, GuardedAccessAttemptAdmin)
