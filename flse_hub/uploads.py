"""Uploaded files: what is accepted, decided by content; images re-encoded; random names.

An uploaded file is served from the site's own origin unless media live on another
host, so a file that a browser could run (HTML, SVG, script) would run as the site.
The type is therefore decided by reading the bytes, never the name or the browser's
Content-Type, and the stored name and extension come from that decision. Images are
decoded and written afresh, which drops EXIF (GPS included), comments and anything
appended after the pixels.

Models use `ValidatedFileField` and `ValidatedImageField`. Their validators give the
form errors (admin forms and any code calling full_clean()), and their FieldFile's
save() checks again and stores the cleaned bytes under a random name, so a plain
`Model.objects.create(file=upload)` is checked too. What still bypasses it: a name
string assigned to the field for a file put in storage some other way,
`QuerySet.update()`, and writing into MEDIA_ROOT directly. flse_hub.media (and the
nginx block in the README) serve whatever is there with headers that keep it inert.

Infrastructure: knows nothing of posts or people.
"""

import contextlib
import csv
import functools
import io
import posixpath
import re
import secrets
import warnings
import zipfile
from dataclasses import dataclass

import olefile
from django import forms
from django.apps import apps as global_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import signals
from django.db.models.fields.files import FieldFile, ImageFieldFile
from django.dispatch import Signal
from django.utils.deconstruct import deconstructible
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

DOCUMENT = "document"
IMAGE = "image"


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    family: str  # DOCUMENT or IMAGE
    label: str


TYPES = {
    t.extension: t
    for t in [
        FileType("pdf", "application/pdf", DOCUMENT, "PDF"),
        FileType(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            DOCUMENT,
            "Word",
        ),
        FileType(
            "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", DOCUMENT,
            "Excel",
        ),
        FileType(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            DOCUMENT,
            "PowerPoint",
        ),
        FileType("doc", "application/msword", DOCUMENT, "Word 97–2003"),
        FileType("xls", "application/vnd.ms-excel", DOCUMENT, "Excel 97–2003"),
        FileType("ppt", "application/vnd.ms-powerpoint", DOCUMENT, "PowerPoint 97–2003"),
        FileType("odt", "application/vnd.oasis.opendocument.text", DOCUMENT, "OpenDocument text"),
        FileType(
            "ods", "application/vnd.oasis.opendocument.spreadsheet", DOCUMENT,
            "OpenDocument spreadsheet",
        ),
        FileType(
            "odp", "application/vnd.oasis.opendocument.presentation", DOCUMENT,
            "OpenDocument presentation",
        ),
        FileType("csv", "text/csv; charset=utf-8", DOCUMENT, "CSV"),
        FileType("txt", "text/plain; charset=utf-8", DOCUMENT, "plain text"),
        FileType("jpg", "image/jpeg", IMAGE, "JPEG"),
        FileType("png", "image/png", IMAGE, "PNG"),
        FileType("webp", "image/webp", IMAGE, "WebP"),
        FileType("gif", "image/gif", IMAGE, "GIF"),
    ]
}  # fmt: skip

ACCEPTED_MESSAGES = {
    (DOCUMENT, IMAGE): "Upload a PDF; a Word, Excel or PowerPoint file (.docx, .xlsx, .pptx, "
    ".doc, .xls, .ppt); an OpenDocument file (.odt, .ods, .odp); a CSV or plain-text file "
    "(UTF-8); or a JPEG, PNG, WebP or GIF image.",
    (IMAGE,): "Upload a JPEG, PNG, WebP or GIF image.",
    (DOCUMENT,): "Upload a PDF; a Word, Excel or PowerPoint file; an OpenDocument file; "
    "or a CSV or plain-text file (UTF-8).",
}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream that makes an OLE2 compound file a Word, Excel or PowerPoint file
# (MSI installers, Outlook messages and the like are OLE2 too, and refused).
OLE2_STREAMS = [("WordDocument", "doc"), ("Workbook", "xls"), ("Book", "xls"),
                ("PowerPoint Document", "ppt")]  # fmt: skip
ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
OOXML_MAIN_PARTS = [("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"),
                    ("ppt/presentation.xml", "pptx")]  # fmt: skip
# Macros: VBA in Word (Macros), Excel (_VBA_PROJECT_CUR) and PowerPoint (VBA) files;
# OOXML content types vnd.ms-office.vbaProject, *.macroEnabled.* and Excel 4 macro
# sheets; OpenDocument Basic/ and Scripts/ folders.
OLE2_MACRO_STORAGES = {"macros", "_vba_project_cur", "vba"}
OOXML_MACRO_WORDS = (b"vbaproject", b"macroenabled", b"macrosheet")
CONTENT_TYPES_MAX_BYTES = 1_000_000
ODF_MACRO_FOLDERS = ("basic/", "scripts/")
PILLOW_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}

# Text that a browser, an XML parser or an interpreter would treat as code. Served as
# text/plain with nosniff it would not run, but nobody shares a report that looks like
# this, so it is refused rather than relied upon.
#
# These run over the whole of a text upload (up to FLSE_UPLOAD_MAX_MB), so every repeat
# is bounded and no two neighbouring repeats can match the same characters: each
# attempt costs a bounded number of steps and a search is linear in the text. An
# unbounded `\s*` or `[^)]*` here let 200 KB of "function (" or of "<" and spaces
# hold a server process for minutes (tests/test_uploads.py checks the shapes).
# Elements a browser or XML tool would act on. <a>, <img>, <svg> and the like count even
# with spaces after the `<`, as before; the short everyday words below (<p>, <b>, <set>)
# only written as a browser reads a tag, so that "costs < set targets" is prose.
_TAGS = (
    "html|head|body|script|style|iframe|frame|frameset|object|embed|svg|math|img|image|"
    "link|meta|base|form|input|a|div|span|table|xml|xsl|template|video|audio|source|title|"
    "applet"
)
_MORE_TAGS = (
    "button|select|option|textarea|label|fieldset|p|br|hr|b|i|u|s|em|strong|small|big|"
    "font|center|h[1-6]|ul|ol|li|dl|dt|dd|pre|code|blockquote|thead|tbody|tfoot|tr|td|th|"
    "caption|col|colgroup|details|summary|dialog|marquee|blink|menu|nav|header|footer|"
    "section|article|aside|main|figure|figcaption|picture|canvas|slot|track|noscript|"
    "isindex|keygen|animate|set|foreignobject|use|xmp|listing|plaintext|portal|search"
)
# Each runs over the lower-cased text, case-sensitively: a pattern that starts with a
# fixed string is then searched for that string first, which keeps ordinary text fast.
CODE_PATTERNS = [
    re.compile(
        r"<(?:"
        # A comment, doctype, CDATA or processing instruction, or an element from the lists.
        r"\s{0,64}(?:[!?]|(?:/\s{0,64})?(?=[a-z])(?:" + _TAGS + r")\b)"
        r"|/?(?:" + _MORE_TAGS + r")[\s/>]"
        # Any namespaced tag (<x:script xmlns:x=…>), but not <mailto:someone@example.org>.
        r"|/?[a-z][\w.-]{0,64}:[a-z][\w.-]{0,64}[\s/>]"
        # Any tag carrying an event handler (<details open ontoggle=…>, <p onclick=…>),
        # whatever its name, if the attribute starts within 2,000 characters of the `<`.
        r"|[a-z][\w:.-]{0,64}[\s/\"'][^<>]{0,2000}?(?<![\w-])on[a-z]{1,32}\s{0,64}="
        r")"
    ),
    # Script. No spaces around the dots and brackets, so that prose ("out of the window.
    # Then") is not taken for code. The parameters stop at a bracket, so "function ("
    # repeated costs a few steps each.
    re.compile(r"\A#!"),
    re.compile(r"<\?php"),
    *(
        # The word stands alone (not "myfetch("), checked after it is found: a pattern
        # that started with the check could not be searched for by its word.
        re.compile(rf"{word}(?<![\w$]{word}){rest}")
        for word, rest in [
            ("javascript:", ""),
            (r"document\.", r"(?:cookie|write|location|domain)\b"),
            (r"window\.", r"\w"),
            (r"fetch\(", ""),
            (r"eval\(", ""),
            (r"import\(", ""),
            (r"require\(", ""),
            ("function", r"\s{0,16}[\w$]{0,64}\s{0,16}\([^()]{0,200}\)\s{0,16}\{"),
        ]
    ),
    re.compile(r"xmlhttprequest"),
    re.compile(r"=>\s{0,16}\{"),
]


def looks_like_code(text):
    """True if the text holds markup or script (see CODE_PATTERNS)."""
    lowered = text.lower()
    return any(pattern.search(lowered) for pattern in CODE_PATTERNS)


def accepted_message(accept):
    return ACCEPTED_MESSAGES[tuple(f for f in (DOCUMENT, IMAGE) if f in accept)]


def _megabytes(size):
    return f"{size / 1_000_000:.3g} MB"


def _refuse(message, accept, code="file_type"):
    return ValidationError(f"{message} {accepted_message(accept)}", code=code)


@dataclass
class Prepared:
    """An accepted upload: its type, the bytes to store, and an image's size in pixels."""

    type: FileType
    content: object  # a File-like object positioned at 0
    width: int | None = None
    height: int | None = None


def _size(fileobj):
    size = getattr(fileobj, "size", None)
    if size is None:
        fileobj.seek(0, io.SEEK_END)
        size = fileobj.tell()
    return size


def detect(fileobj):
    """The FileType the bytes are, or None. Reads headers only, decodes nothing."""
    fileobj.seek(0)
    head = fileobj.read(4096)
    fileobj.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return TYPES["jpg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return TYPES["png"]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return TYPES["gif"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return TYPES["webp"]
    if head.startswith(b"%PDF-"):
        return TYPES["pdf"]
    if head.startswith(OLE2_MAGIC):
        return _detect_ole2(fileobj)
    if head.startswith(b"PK\x03\x04"):
        return _detect_zip(fileobj)
    if head:
        return _detect_text(fileobj)
    return None


def _detect_ole2(fileobj):
    try:
        ole = olefile.OleFileIO(fileobj)
        try:
            for stream, extension in OLE2_STREAMS:
                if ole.exists(stream):
                    if any(
                        part.lower() in OLE2_MACRO_STORAGES
                        for path in ole.listdir(streams=False, storages=True)
                        for part in path
                    ):
                        raise MacroDocument
                    return TYPES[extension]
        finally:
            ole.close()
    except MacroDocument:
        raise
    # A damaged compound file can fail in olefile in many ways; any of them means "refuse".
    except Exception:
        return None
    finally:
        fileobj.seek(0)
    return None


class MacroDocument(Exception):
    pass


def _detect_zip(fileobj):
    try:
        archive = zipfile.ZipFile(fileobj)
        entries = archive.infolist()
        names = {entry.filename for entry in entries}
        # Only names and one tiny member are read: nothing large is ever inflated.
        if entries and entries[0].filename == "mimetype" and entries[0].file_size < 100:
            kind = TYPES.get(ODF_MIMETYPES.get(archive.read("mimetype").strip()))
            # OpenDocument keeps Basic macros under Basic/ and other scripts under Scripts/.
            if kind and any(name.lower().startswith(ODF_MACRO_FOLDERS) for name in names):
                raise MacroDocument
            return kind
        if "[Content_Types].xml" in names:
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise MacroDocument
            # A macro part may have any name; its content type gives it away. Reading
            # stops at the cap, whatever the archive claims the member inflates to.
            with archive.open("[Content_Types].xml") as member:
                content_types = member.read(CONTENT_TYPES_MAX_BYTES + 1)
            if len(content_types) > CONTENT_TYPES_MAX_BYTES:
                return None
            if any(word in content_types.lower() for word in OOXML_MACRO_WORDS):
                raise MacroDocument
            for part, extension in OOXML_MAIN_PARTS:
                if part in names:
                    return TYPES[extension]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        return None
    finally:
        fileobj.seek(0)
    return None


def _detect_text(fileobj):
    data = fileobj.read()
    fileobj.seek(0)
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if not text.strip() or looks_like_code(text):
        return None
    return TYPES["csv"] if _looks_like_csv(text) else TYPES["txt"]


def _looks_like_csv(text):
    """At least two rows, each with the same number (two or more) of fields."""
    sample = text[:65536]
    if len(text) > len(sample):
        sample = sample.rsplit("\n", 1)[0]
    for delimiter in ",;\t":
        try:
            rows = [row for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        except csv.Error:
            continue
        widths = {len(row) for row in rows[:200]}
        if len(rows) >= 2 and len(widths) == 1 and widths.pop() >= 2:
            return True
    return False


def prepare_upload(fileobj, accept):
    """Check an upload against `accept` (families) and return what to store.

    Raises ValidationError with a message naming what is accepted. The result is
    kept on the upload object, so the form's validation and the model's save share
    one decode.
    """
    cached = getattr(fileobj, "_flse_prepared", None)
    if cached is not None:
        return cached
    size = _size(fileobj)
    if size == 0:
        raise _refuse("The file is empty.", accept, code="empty")
    # Before anything reads the whole file (text is decoded in full).
    largest = max(settings.FLSE_IMAGE_MAX_BYTES, settings.FLSE_UPLOAD_MAX_BYTES)
    if size > largest:
        raise ValidationError(
            f"The file is {_megabytes(size)}; files can be at most {_megabytes(largest)}.",
            code="file_size",
        )
    try:
        kind = detect(fileobj)
    except MacroDocument:
        raise _refuse(
            "Files with macros (.docm, .xlsm, .pptm, or Word, Excel, PowerPoint or "
            "OpenDocument files holding macros) are not accepted: save it without macros.",
            accept,
        ) from None
    if kind is None or kind.family not in accept:
        raise _refuse("This type of file is not accepted.", accept)
    limit = (
        settings.FLSE_IMAGE_MAX_BYTES if kind.family == IMAGE else settings.FLSE_UPLOAD_MAX_BYTES
    )
    if size > limit:
        raise ValidationError(
            f"The file is {_megabytes(size)}; {kind.label} files can be at most "
            f"{_megabytes(limit)}.",
            code="file_size",
        )
    if kind.family == IMAGE:
        prepared = _reencode_image(fileobj, kind)
    else:
        fileobj.seek(0)
        prepared = Prepared(kind, fileobj)
    with contextlib.suppress(AttributeError):
        fileobj._flse_prepared = prepared
    return prepared


def _reencode_image(fileobj, kind):
    max_pixels = settings.FLSE_IMAGE_MAX_PIXELS
    fileobj.seek(0)
    try:
        with warnings.catch_warnings():
            # The pixel cap below is ours and usually lower; Pillow's own cap
            # (DecompressionBombError, raised at open) still stops absurd sizes.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(fileobj, formats=[f for f, e in PILLOW_FORMATS.items()
                                                 if e == kind.extension])  # fmt: skip
            # Width and height come from the header; nothing is decoded yet.
            width, height = image.size
            if width * height > max_pixels:
                raise ValidationError(
                    f"The image is {width:,} × {height:,} pixels; images can have at most "
                    f"{max_pixels / 1_000_000:g} megapixels. Make it smaller and try again.",
                    code="image_pixels",
                )
            image.seek(0)  # Animations keep their first frame only (WCAG 2.2.2).
            image.load()
            image = ImageOps.exif_transpose(image)
            image = _to_srgb(image)
    except Image.DecompressionBombError:
        raise ValidationError(
            f"The image has too many pixels; images can have at most "
            f"{max_pixels / 1_000_000:g} megapixels.",
            code="image_pixels",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, UnidentifiedImageError):
        raise ValidationError(
            f"The {kind.label} image could not be read: it may be damaged or cut short.",
            code="image_damaged",
        ) from None
    finally:
        fileobj.seek(0)
    try:
        return _write_fresh(image, kind)
    except (OSError, ValueError) as error:
        raise ValidationError(
            f"The {kind.label} image could not be saved again ({error}); try exporting it "
            "from an image editor first.",
            code="image_damaged",
        ) from None


def _write_fresh(image, kind):
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if kind.extension == "jpg":
        mode = "L" if image.mode in ("1", "L") else "RGB"
    elif has_alpha:
        mode = "RGBA"
    else:
        mode = "L" if image.mode in ("1", "L") else "RGB"
    fresh = image.convert(mode)
    # Fresh pixels with no metadata: convert() copies info (EXIF, comments, ICC).
    fresh.info = {}
    out = io.BytesIO()
    if kind.extension == "jpg":
        fresh.save(out, "JPEG", quality=88, optimize=True, progressive=True)
    elif kind.extension == "png":
        fresh.save(out, "PNG")
    elif kind.extension == "webp":
        fresh.save(out, "WEBP", quality=88)
    else:
        fresh.save(out, "GIF")
    out.seek(0)
    return Prepared(kind, out, *fresh.size)


def _to_srgb(image):
    """Pixels in sRGB, so no colour profile (a metadata block of its own) need be kept."""
    icc = image.info.get("icc_profile")
    if not icc:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        output_mode = "RGBA" if "A" in image.mode else "RGB"
        if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
            image = image.convert(output_mode)
        return ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image


def stored_image_size(storage, name):
    """(width, height) as displayed, of a stored image, or None if missing or unreadable.

    For data migrations and repairs only: pages never open media files.
    """
    try:
        with storage.open(name) as stored, warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(stored)
            width, height = image.size
            # Browsers honour EXIF orientation; 5 to 8 are the quarter turns.
            if image.getexif().get(0x0112) in (5, 6, 7, 8):
                width, height = height, width
            return width, height
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


@deconstructible
class RandomName:
    """upload_to: `folder/<128 random bits>.<ext>`, the extension from the detected type.

    An extension outside the allowlist becomes .bin, so even a file saved around the
    checks is not served as markup.
    """

    def __init__(self, folder):
        self.folder = folder

    def __call__(self, instance, filename):
        extension = posixpath.splitext(filename)[1].lstrip(".").lower()
        if extension not in TYPES:
            extension = "bin"
        return f"{self.folder}/{secrets.token_urlsafe(16)}.{extension}"

    def __eq__(self, other):
        return isinstance(other, RandomName) and other.folder == self.folder


@deconstructible
class UploadValidator:
    """Field validator: the upload's content must be one of the accepted families."""

    def __init__(self, accept):
        self.accept = tuple(accept)

    def __call__(self, value):
        # A file already in storage was checked when it was stored; reading it again
        # would make every edit of a post fail when its file has gone missing.
        if not value or getattr(value, "_committed", True):
            return
        prepare_upload(value.file, self.accept)

    def __eq__(self, other):
        return isinstance(other, UploadValidator) and other.accept == self.accept


class _ValidatedSave:
    """FieldFile.save(), which every model save of a new file goes through, checking too.

    The name passed in is ignored: the stored one comes from the detected type.
    """

    def save(self, name, content, save=True):
        prepared = prepare_upload(content, self.field.accept)
        super().save(f"upload.{prepared.type.extension}", prepared.content, save=False)
        if getattr(self.field, "width_field", None):
            setattr(self.instance, self.field.width_field, prepared.width)
        if getattr(self.field, "height_field", None):
            setattr(self.instance, self.field.height_field, prepared.height)
        if save:
            self.instance.save()

    save.alters_data = True


class ValidatedFieldFile(_ValidatedSave, FieldFile):
    pass


class ValidatedImageFieldFile(_ValidatedSave, ImageFieldFile):
    pass


# Every field of these classes, so that a file is deleted only when no row of any
# model still names it.
_FILE_FIELDS = []

# Sent (storage=, name=) after a stored file no row names any more has been deleted, so
# that what was derived from it (flse_hub.renditions) goes too. Runs after the commit.
file_removed = Signal()


def image_fields():
    """Every ValidatedImageField of every installed model."""
    return [field for field in _FILE_FIELDS if isinstance(field, models.ImageField)]


def _delete_unless_referenced(storage, name):
    # Runs after the commit, so it sees what the database now holds. With 128 random
    # bits in every name, a match in another field can only be the same file.
    for field in _FILE_FIELDS:
        if field.model._base_manager.filter(**{field.attname: name}).exists():
            return
    storage.delete(name)
    file_removed.send(sender=_delete_unless_referenced, storage=storage, name=name)


def _forget_file_on_commit(field, name, using):
    if name:
        # robust: a file that cannot be deleted is logged; the saved row stays saved.
        transaction.on_commit(
            functools.partial(_delete_unless_referenced, field.storage, name),
            using=using,
            robust=True,
        )


class _ValidatedFieldMixin:
    """Shared by both fields: accepted families, form widget, and removing old files.

    A file that is replaced, cleared or whose row is deleted is deleted from storage
    once the transaction commits (never if it rolls back, nor while another row names
    it), so a photo someone asked to have removed stops being served.
    """

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        # Not for abstract models, nor the historical models migrations build.
        if cls._meta.abstract or cls._meta.apps is not global_apps:
            return
        _FILE_FIELDS.append(self)
        uid = f"flse_uploads:{cls._meta.label}.{name}"
        signals.pre_save.connect(self._note_old_file, sender=cls, weak=False,
                                 dispatch_uid=f"{uid}:pre_save")  # fmt: skip
        signals.post_save.connect(self._forget_replaced_file, sender=cls, weak=False,
                                  dispatch_uid=f"{uid}:post_save")  # fmt: skip
        # A post_delete receiver also turns off Django's fast delete, so a queryset
        # delete (the admin's bulk action) and cascades reach it row by row.
        signals.post_delete.connect(self._forget_deleted_file, sender=cls, weak=False,
                                    dispatch_uid=f"{uid}:post_delete")  # fmt: skip

    def _note_old_file(self, sender, instance, raw=False, using=None, update_fields=None,
                       **kwargs):  # fmt: skip
        if raw or instance._state.adding or instance.pk is None:
            return
        if update_fields is not None and self.name not in update_fields:
            return
        old = (
            sender._base_manager.using(using)
            .filter(pk=instance.pk)
            .values_list(self.attname, flat=True)
            .first()
        )
        instance.__dict__.setdefault("_flse_old_files", {})[self.attname] = old

    def _forget_replaced_file(self, sender, instance, raw=False, using=None, **kwargs):
        old = instance.__dict__.get("_flse_old_files", {}).pop(self.attname, None)
        current = getattr(instance, self.attname)
        if old and old != (current.name if current else ""):
            _forget_file_on_commit(self, old, using)

    def _forget_deleted_file(self, sender, instance, using=None, **kwargs):
        current = getattr(instance, self.attname)
        if current:
            _forget_file_on_commit(self, current.name, using)

    def _set_accept(self, accept):
        self.accept = tuple(accept)
        # Instance attribute: the validator follows `accept` and stays out of migrations.
        self.default_validators = [UploadValidator(self.accept)]

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["accept"] = self.accept
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        # A plain FileField: the model validator decides (forms.ImageField would decode
        # the image a second time and answer a bomb with a vaguer message).
        field = super().formfield(**{**kwargs, "form_class": forms.FileField})
        # Only narrows the browser's file picker; the content decides.
        types = [t for t in TYPES.values() if t.family in self.accept]
        accept = [f".{t.extension}" for t in types] + [t.content_type.split(";")[0] for t in types]
        if TYPES["jpg"] in types:
            accept.append(".jpeg")
        field.widget.attrs.setdefault("accept", ",".join(accept))
        return field


class ValidatedFileField(_ValidatedFieldMixin, models.FileField):
    """A FileField that stores only accepted types, under a random name."""

    attr_class = ValidatedFieldFile

    def __init__(self, *args, accept=(DOCUMENT, IMAGE), **kwargs):
        self._set_accept(accept)
        super().__init__(*args, **kwargs)


class ValidatedImageField(_ValidatedFieldMixin, models.ImageField):
    """An ImageField that re-encodes on upload and keeps its size in width/height fields.

    Declare the width and height fields after this one: the model's save reads them
    after this field's pre_save has stored the image and set them.
    """

    attr_class = ValidatedImageFieldFile

    def __init__(self, *args, accept=(IMAGE,), **kwargs):
        self._set_accept(accept)
        super().__init__(*args, **kwargs)

    def update_dimension_fields(self, instance, force=False, *args, **kwargs):
        # Django's version opens the stored file whenever the size fields are empty,
        # on every load of the row: a missing file then breaks every page showing it.
        # The size is set by save() from the re-encoded image instead, and cleared here.
        if not force or self.attname not in instance.__dict__:
            return
        if not getattr(instance, self.attname):
            if self.width_field:
                setattr(instance, self.width_field, None)
            if self.height_field:
                setattr(instance, self.height_field, None)
