import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from posts.media.models import Document, Image


def png_bytes(size=(40, 30), color=(20, 120, 60)):
    out = io.BytesIO()
    PILImage.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def make_image(title="A bench", size=(40, 30), **fields):
    fields.setdefault("alt", "" if fields.get("decorative") else f"{title}, described")
    return Image.objects.create(
        title=title, file=SimpleUploadedFile("photo.png", png_bytes(size)), **fields
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_document(title="Annual report", **fields):
    return Document.objects.create(
        title=title, file=SimpleUploadedFile("report.pdf", PDF), **fields
    )


def figure(image, caption=""):
    """Body HTML as the editor's Figure extension writes it for a library image."""
    cap = f'<figcaption class="figure-caption">{caption}</figcaption>' if caption else ""
    return (
        f'<figure class="figure"><img src="{image.file.url}" alt="" data-file="{image.pk}">'
        f"{cap}</figure>"
    )
