"""The project's admin site: Django's, made to ask for permissions where Django does not.

Installed by `flse_hub.apps.FlseAdminConfig` in place of `django.contrib.admin`, so
`admin.site` everywhere (the apps' `@admin.register`, third-party admins) is this site.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core import checks
from django.db.models import Q
from django.http import Http404
from django.urls import path, reverse_lazy

# Tables the code fills, whose permissions mean nothing to give a person. Apps add
# their own with FlseAdminSite.hide_permissions (posts hides its search index).
INTERNAL_PERMISSION_MODELS = {
    "admin.*",
    "auth.permission",
    "contenttypes.*",
    "sessions.*",
    "axes.*",
    "taggit.*",
    "django_tasks_database.*",
    # The site app's own bookkeeping; its pages, redirects and settings are staff's.
    "site.contentversion",
    "site.democontentload",
    "reversion.*",
    "renditions.*",
}


class FlseAdminSite(admin.AdminSite):
    site_header = "FLSE Learning Hub"
    site_title = "FLSE Learning Hub admin"
    index_title = "Write and publish"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.internal_permission_models = set(INTERNAL_PERMISSION_MODELS)
        self.index_panels = []
        self.group_descriptions = {}

    # --- the staff home page ------------------------------------------------------

    def add_index_panel(self, template_name, get_context):
        """Show a panel above the app list: `get_context(request)` -> dict, or None to hide."""
        self.index_panels.append((template_name, get_context))

    def index(self, request, extra_context=None):
        panels = []
        for template_name, get_context in self.index_panels:
            context = get_context(request)
            if context is not None:
                panels.append({"template": template_name, "context": context})
        return super().index(request, {"index_panels": panels, **(extra_context or {})})

    # --- the permission picker ------------------------------------------------------

    def hide_permissions(self, *labels):
        """Keep these models' permissions out of the user and group pages ("app.model")."""
        self.internal_permission_models.update(labels)

    def grantable_permissions(self):
        """The permissions staff may give on the user and group pages."""
        hidden = Q()
        for label in self.internal_permission_models:
            app_label, model = label.split(".")
            hidden |= (
                Q(content_type__app_label=app_label)
                if model == "*"
                else Q(content_type__app_label=app_label, content_type__model=model)
            )
        return Permission.objects.exclude(hidden).select_related("content_type")

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


class GroupChoices(forms.ModelMultipleChoiceField):
    """Groups by name, with what each may do when the site describes it."""

    def __init__(self, *args, descriptions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.descriptions = descriptions or {}

    def label_from_instance(self, group):
        described = self.descriptions.get(group.name)
        return f"{group.name}: {described}" if described else group.name


def guard_permission_pickers(site):
    """Offer groups by name, and only grantable permissions, on the user and group pages.

    The choices are limited on the server (a posted internal permission is an invalid
    choice), and internal permissions a user or group already holds are kept on save.
    """
    from django.contrib.auth import get_user_model

    for model, field_name in ((get_user_model(), "user_permissions"), (Group, "permissions")):
        if not site.is_registered(model):
            continue
        shipped = type(site.get_model_admin(model))

        class Picker(shipped):
            _permissions_field = field_name

            def formfield_for_manytomany(self, db_field, request, **kwargs):
                if db_field.name == self._permissions_field:
                    kwargs["queryset"] = self.admin_site.grantable_permissions()
                elif db_field.name == "groups":
                    kwargs["widget"] = forms.CheckboxSelectMultiple
                    kwargs["form_class"] = GroupChoices
                    kwargs["descriptions"] = self.admin_site.group_descriptions
                    kwargs.setdefault("queryset", Group.objects.order_by("name"))
                return super().formfield_for_manytomany(db_field, request, **kwargs)

            def save_related(self, request, form, formsets, change):
                held = getattr(form.instance, self._permissions_field)
                grantable = self.admin_site.grantable_permissions().values("pk")
                kept = list(held.exclude(pk__in=grantable)) if change else []
                super().save_related(request, form, formsets, change)
                held.add(*kept)

        Picker.__name__ = Picker.__qualname__ = f"Picker{shipped.__name__}"
        site.unregister(model)
        site.register(model, Picker)
