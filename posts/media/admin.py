from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from posts.media.models import Document, Image
from posts.media.thumbnails import thumbnail
from posts.media.usage import owners, owners_by_record

CHOOSER_PAGE_SIZE = 24
MAX_QUERY_LENGTH = 100
MAX_PAGE = 1000


def _owner_links(objects):
    return format_html_join(
        "",
        '<li><a href="{}">{}</a></li>',
        (
            (reverse(f"admin:{o._meta.app_label}_{o._meta.model_name}_change", args=[o.pk]), o)
            for o in objects
        ),
    )


def uses_label(models):
    """Uses as staff read them, e.g. '2 posts and 1 page', from each owner's model."""
    counts = Counter(models)
    parts = [
        f"{n} {model._meta.verbose_name if n == 1 else model._meta.verbose_name_plural}"
        for model, n in sorted(counts.items(), key=lambda item: item[0]._meta.label)
    ]
    return " and ".join(parts)


class UsageMixin:
    """'Used in 2 posts and 1 page' in the list (one query a relation a page) and the list
    itself."""

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        usage = owners_by_record(self.model, [obj.pk for obj in changelist.result_list])
        for obj in changelist.result_list:
            obj.used_by = [model for model, _pk in usage.get(obj.pk, ())]
        return changelist

    @admin.display(description="used in")
    def used_in_count(self, obj):
        return uses_label(getattr(obj, "used_by", ())) or "not used"

    @admin.display(description="used in")
    def used_in_list(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        found = owners(obj)
        if not found:
            return "Not used anywhere yet."
        return format_html(
            "<p>Used in {}:</p><ul class='library-usage'>{}</ul>",
            uses_label(type(owner) for owner in found),
            _owner_links(found),
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


class ImageForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "title", "alt", "decorative", "caption", "credit", "licence",
                  "focal_x", "focal_y"]  # fmt: skip
        widgets = {
            "focal_x": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
            "focal_y": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
        }

    def clean(self):
        cleaned = super().clean()
        # Said against the field the writer can fix, before the database constraint.
        if cleaned.get("decorative") and cleaned.get("alt"):
            self.add_error(
                "alt",
                "A decorative image has no description: empty this box or untick "
                "“decorative only”.",
            )
        elif not cleaned.get("decorative") and not cleaned.get("alt") and "alt" not in self.errors:
            self.add_error(
                "alt",
                "Describe the image for people who cannot see it, or tick “decorative "
                "only” if it adds nothing a reader would miss.",
            )
        if (cleaned.get("focal_x") is None) != (cleaned.get("focal_y") is None):
            self.add_error("focal_y", "Give both focal point numbers, or neither.")
        return cleaned


class ChooserUploadForm(ImageForm):
    class Meta(ImageForm.Meta):
        fields = ["file", "title", "alt", "decorative", "caption", "credit", "licence"]


@admin.register(Image)
class ImageAdmin(UsageMixin, admin.ModelAdmin):
    form = ImageForm
    list_display = ["thumb", "title", "description_state", "used_in_count", "uploaded_at",
                    "uploaded_by"]  # fmt: skip
    list_display_links = ["thumb", "title"]
    list_filter = ["decorative", "uploaded_at"]
    search_fields = ["title", "alt", "caption", "credit"]
    list_per_page = 40
    readonly_fields = ["focal_picker", "used_in_list", "uploaded_by", "uploaded_at", "size"]
    fieldsets = [
        (None, {"fields": ["file", "title", "alt", "decorative", "caption", "credit", "licence"]}),
        ("Focal point", {
            "fields": ["focal_picker", ("focal_x", "focal_y")],
            "description": "Where a cropped display (post cards) keeps the image centred. "
            "Click the image on the point that matters (a face), or type the numbers.",
        }),
        ("Use", {"fields": ["used_in_list", "uploaded_by", "uploaded_at", "size"]}),
    ]  # fmt: skip

    class Media:
        css = {"all": ["css/media-admin.css"]}
        js = ["js/focal-point.js"]

    def get_queryset(self, request):
        # The list's thumbnails are renditions: one query for the page, not one per row.
        return super().get_queryset(request).with_renditions("file")

    @admin.display(description="image")
    def thumb(self, obj):
        return thumbnail(obj)

    @admin.display(description="description")
    def description_state(self, obj):
        return "Decorative" if obj.decorative else obj.alt

    @admin.display(description="size in pixels")
    def size(self, obj):
        return f"{obj.width} × {obj.height}" if obj.width and obj.height else "—"

    @admin.display(description="image")
    def focal_picker(self, obj):
        if obj is None or not obj.file:
            return "Save the image first."
        return format_html(
            '<div class="focal-picker" data-focal-picker>{}<span class="focal-picker__marker" '
            "hidden></span></div>",
            thumbnail(obj, css_class="focal-picker__image"),
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "choose/",
                self.admin_site.admin_view(self.chooser_view),
                name="{}_{}_choose".format(*info),
            ),
            *super().get_urls(),
        ]

    def chooser_view(self, request):
        """Search, recent uploads and upload new, for the hero field and the body editor.

        Opened in a small window by static JS (which picks an image by its link); without
        JS each image is a plain link to its page, and the upload form works alone.
        """
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        params = chooser_params(request.GET)
        upload_form = None
        if request.method == "POST":
            if not self.has_add_permission(request):
                raise PermissionDenied
            upload_form = ChooserUploadForm(request.POST, request.FILES)
            if upload_form.is_valid():
                image = upload_form.save(commit=False)
                image.uploaded_by = request.user
                image.save()
                self.log_addition(request, image, [{"added": {}}])
                messages.success(request, f"“{image.title}” is in the library: choose it below.")
                return HttpResponseRedirect(
                    f"{request.path}?{urlencode({**params, 'uploaded': image.pk})}"
                )
        elif self.has_add_permission(request):
            upload_form = ChooserUploadForm()
        images = Image.objects.with_renditions("file")
        if params["q"]:
            words = params["q"].split()[:8]
            for word in words:
                images = images.filter(
                    Q(title__icontains=word) | Q(alt__icontains=word) | Q(caption__icontains=word)
                    | Q(credit__icontains=word)
                )  # fmt: skip
        page = Paginator(images, CHOOSER_PAGE_SIZE).get_page(params["page"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Choose an image",
            "is_popup": True,
            "page_obj": page,
            "params": params,
            "query_string": urlencode({k: v for k, v in params.items() if k != "page"}),
            "upload_form": upload_form,
            "uploaded": _bounded_int(request.GET.get("uploaded"), 0, 2**62),
        }
        status = 400 if upload_form is not None and upload_form.errors else 200
        return TemplateResponse(request, "admin/media/image_chooser.html", context, status=status)


def _bounded_int(value, low, high, default=None):
    try:
        number = int(str(value)[:20])
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default


def chooser_params(query):
    """The chooser's parameters, each cut to what it can mean; anything else is dropped."""
    mode = query.get("mode", "")
    field = query.get("field", "")
    return {
        "q": " ".join(query.get("q", "").split())[:MAX_QUERY_LENGTH],
        # Past the end is the last page (the paginator says which); nonsense is the first.
        "page": min(_bounded_int(query.get("page"), 1, 10**20, 1), MAX_PAGE),
        "mode": mode if mode in ("hero", "body") else "",
        "field": field
        if field.isascii()
        and field.replace("_", "").replace("-", "").isalnum()
        and len(field) <= 64
        else "",
        # django-prose-editor's picker protocol: the editor's callback number (negative).
        "CKEditorFuncNum": _bounded_int(query.get("CKEditorFuncNum"), -100000, 100000, ""),
    }


@admin.register(Document)
class DocumentAdmin(UsageMixin, admin.ModelAdmin):
    list_display = ["title", "file_type", "size_label", "used_in_count", "uploaded_at",
                    "uploaded_by"]  # fmt: skip
    list_filter = ["file_type", "uploaded_at"]
    search_fields = ["title", "description"]
    list_per_page = 50
    fields = ["file", "title", "description", "file_type", "size_label", "used_in_list",
              "uploaded_by", "uploaded_at"]  # fmt: skip
    readonly_fields = ["file_type", "size_label", "used_in_list", "uploaded_by", "uploaded_at"]

    @admin.display(description="size", ordering="size")
    def size_label(self, obj):
        if obj is None or obj.size is None:
            return "—"
        return (
            f"{obj.size / 1_000_000:.2g} MB" if obj.size >= 100_000 else f"{obj.size / 1000:.3g} kB"
        )
