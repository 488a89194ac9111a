import pytest
from lxml import html as lxml_html

from posts.sanitize import ALLOWED_URL_SCHEMES, sanitize_html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Hello<script>alert('x')</script></p>", "<p>Hello</p>"),
        ('<p onclick="steal()" onmouseover="x">Hi</p>', "<p>Hi</p>"),
        ('<a href="javascript:alert(1)">link</a>', '<a rel="noopener noreferrer">link</a>'),
        ('<a href="JaVaScRiPt:alert(1)">link</a>', '<a rel="noopener noreferrer">link</a>'),
        ('<p style="color:red;font-family:Calibri">Word</p>', "<p>Word</p>"),
        ("<style>p{color:red}</style><p>x</p>", "<p>x</p>"),
        ('<iframe src="https://evil.example"></iframe><p>x</p>', "<p>x</p>"),
        ('<img src="x" onerror="alert(1)"><p>x</p>', "<p>x</p>"),
        ("<!-- a comment --><p>x</p>", "<p>x</p>"),
        # Word's paste: namespaced tags, classes, spans and empty paragraphs.
        (
            '<p class="MsoNormal"><span lang="EN-GB" style="mso-bidi-font-weight:bold">'
            "Text<o:p></o:p></span></p><p class=MsoNormal>&nbsp;</p>",
            "<p>Text</p>",
        ),
    ],
)
def test_dangerous_and_pasted_markup_is_removed(dirty, clean):
    assert sanitize_html(dirty) == clean


def test_allowed_markup_is_kept():
    html = (
        "<h2>Heading</h2><h3>Sub</h3><p><strong>bold</strong> and <em>italic</em><br>line</p>"
        '<ul><li>one<ul><li>nested</li></ul></li></ul><ol start="3"><li>three</li></ol>'
        "<blockquote><p>quote</p></blockquote>"
        '<p><a href="https://example.org/page" title="Example">web</a> '
        '<a href="mailto:kerry.dowding@bht.org.uk">mail</a></p>'
    )
    expected = html.replace(
        'title="Example">', 'title="Example" rel="noopener noreferrer">'
    ).replace('bht.org.uk">', 'bht.org.uk" rel="noopener noreferrer">')
    assert sanitize_html(html) == expected


def test_h1_is_reduced_to_its_text_because_the_page_title_is_the_only_h1():
    assert sanitize_html("<h1>Big</h1><p>x</p>") == "Big<p>x</p>"


def test_empty_input_stays_empty():
    assert sanitize_html("") == ""
    assert sanitize_html("<p></p>") == ""


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java&#x09;script:alert(1)",  # a tab, which browsers strip from URLs
        "java&#x0A;script:alert(1)",
        "java\tscript:alert(1)",
        "&#106;avascript:alert(1)",
        "javascript&colon;alert(1)",
        " javascript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "VBScript:msgbox(1)",
        "file:///etc/passwd",
    ],
)
def test_links_keep_only_allowed_schemes(href):
    cleaned = sanitize_html(f'<p><a href="{href}" title="t">link</a></p>')
    (link,) = lxml_html.fragment_fromstring(cleaned, create_parent="div").iter("a")
    assert link.get("href") is None
    assert link.text == "link"  # the words stay; only the address goes


@pytest.mark.parametrize(
    "href", ["https://example.org/a", "http://example.org/", "mailto:a@example.org", "tel:+441234"]
)
def test_allowed_schemes_are_kept(href):
    cleaned = sanitize_html(f'<p><a href="{href}">link</a></p>')
    (link,) = lxml_html.fragment_fromstring(cleaned, create_parent="div").iter("a")
    assert link.get("href") == href


def test_allowlist_of_schemes_is_the_web_mail_and_phone():
    assert sorted(ALLOWED_URL_SCHEMES) == ["http", "https", "mailto", "tel"]
