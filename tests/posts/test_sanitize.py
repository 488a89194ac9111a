import pytest

from posts.sanitize import sanitize_html


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
