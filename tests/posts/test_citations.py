"""Cite this: Highwire tags, APA/Harvard strings, BibTeX and RIS that import cleanly."""

from datetime import datetime

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from lxml import html

from posts.models import Post, Resource
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db

PUBLISHED = timezone.make_aware(datetime(2022, 3, 4, 10, 0))


@pytest.fixture
def post():
    hidden = make_person("Hidden Writer")
    return make_post(
        "Co-production & 100% of {us}",
        published_at=PUBLISHED,
        authors=[
            (make_person("Jo Anne Smith"), {}),
            (hidden, {"anonymous": True, "public_label": "Anonymous peer mentor"}),
        ],
        doi="10.1108/HCS-12-2021-0043",
    )


def test_highwire_citation_tags(client, post):
    doc = html.fromstring(client.get(post.get_absolute_url()).content)

    def tag(name):
        return doc.xpath(f"//meta[@name='{name}']/@content")

    assert tag("citation_title") == ["Co-production & 100% of {us}"]
    assert tag("citation_author") == ["Smith, Jo Anne", "Anonymous peer mentor"]
    assert tag("citation_publication_date") == ["2022/03/04"]
    assert tag("citation_online_date")
    assert tag("citation_publisher") == ["Fulfilling Lives South East"]
    assert tag("citation_doi") == ["10.1108/HCS-12-2021-0043"]
    assert tag("citation_public_url") == ["http://testserver" + post.get_absolute_url()]
    assert tag("citation_abstract_html_url") == tag("citation_public_url")
    assert tag("citation_language") == ["en"]


def test_cite_this_block_shows_apa_and_harvard_with_doi_link(client, post):
    doc = html.fromstring(client.get(post.get_absolute_url()).content)
    block = doc.xpath("//section[@class='cite-this']")[0]
    texts = [p.text_content() for p in block.xpath(".//p[@class='cite-this__text']")]
    assert texts[0] == (
        "Smith, J. A., & Anonymous peer mentor (2022, March 4). Co-production & 100% of {us}. "
        "FLSE Learning Hub. https://doi.org/10.1108/HCS-12-2021-0043"
    )
    assert texts[1].startswith(
        "Smith, J. A. and Anonymous peer mentor (2022) ‘Co-production & 100% of {us}’, "
        "FLSE Learning Hub, 4 March. Available at: https://doi.org/10.1108/HCS-12-2021-0043 "
        "(Accessed: "
    )
    assert "https://doi.org/10.1108/HCS-12-2021-0043" in block.xpath(".//a/@href")
    assert "Hidden Writer" not in html.tostring(doc, encoding=str)


def download(client, post, name):
    response = client.get(reverse(name, kwargs={"slug": post.slug}))
    assert response.status_code == 200
    return response


def test_bibtex_download_parses_back(client, post):
    response = download(client, post, "posts:cite-bibtex")
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{post.slug}.bib"'

    library = bibtexparser.parse_string(response.content.decode())
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "misc"
    fields = {field.key: field.value for field in entry.fields}
    assert fields["author"] == "Smith, Jo Anne and {Anonymous peer mentor}"
    assert fields["title"] == r"{Co-production \& 100\% of \{us\}}"
    assert fields["year"] == "2022"
    assert fields["date"] == "2022-03-04"
    assert fields["doi"] == "10.1108/HCS-12-2021-0043"
    assert fields["url"] == "http://testserver" + post.get_absolute_url()
    assert "Hidden" not in response.content.decode()


def test_ris_download_parses_back(client, post):
    response = download(client, post, "posts:cite-ris")
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{post.slug}.ris"'

    (entry,) = rispy.loads(response.content.decode())
    assert entry["type_of_reference"] == "BLOG"
    assert entry["authors"] == ["Smith, Jo Anne", "Anonymous peer mentor"]
    assert entry["title"] == "Co-production & 100% of {us}"
    assert entry["year"] == "2022"
    assert entry["date"] == "2022/03/04"
    assert entry["doi"] == "10.1108/HCS-12-2021-0043"
    assert entry["urls"] == ["http://testserver" + post.get_absolute_url()]
    assert entry["publisher"] == "Fulfilling Lives South East"


def test_post_without_authors_is_cited_to_the_organisation(client):
    post = make_post("Unsigned", published_at=PUBLISHED)
    (entry,) = rispy.loads(download(client, post, "posts:cite-ris").content.decode())
    assert entry["authors"] == ["Fulfilling Lives South East"]


def test_drafts_cannot_be_cited(client):
    draft = make_post("Draft", published=False)
    for name in ("posts:cite-bibtex", "posts:cite-ris"):
        assert client.get(reverse(name, kwargs={"slug": draft.slug})).status_code == 404


BREAKOUT_DOI = "10.1234/},author={X},note={"


@pytest.mark.parametrize(
    "doi",
    [
        BREAKOUT_DOI,
        "10.1234/a b",
        "10.1234/<script>",
        'ab10.1234/x"',
        "https://doi.org/10.1108/HCS-12-2021-0043",
        "10.12/x",
        "10.1234/x\n",
    ],
)
@pytest.mark.parametrize("model", ["post", "resource"])
def test_doi_rule_is_crossrefs_pattern_with_a_clear_message(doi, model):
    post = make_post("Cited")
    obj = post if model == "post" else Resource(post=post, title="Article")
    obj.doi = doi
    with pytest.raises(ValidationError) as error:
        obj.full_clean()
    (message,) = error.value.message_dict["doi"]
    assert message.startswith("Enter the DOI alone, as Crossref writes it")


@pytest.mark.parametrize(
    "doi", ["10.1108/HCS-12-2021-0043", "10.1002/(sici)1097-4571(199806)49:8", "10.12345678/A;B_c"]
)
def test_crossref_shaped_dois_are_accepted(doi):
    make_post("Cited", doi=doi).full_clean()


def test_a_doi_saved_past_the_rule_cannot_add_bibtex_fields(client):
    # The ORM (an import, a script) does not run validators: the citation escapes anyway.
    post = make_post("Injected", published_at=PUBLISHED, doi=BREAKOUT_DOI,
                     authors=[make_person("Jo Smith")])  # fmt: skip
    text = download(client, post, "posts:cite-bibtex").content.decode()
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    (entry,) = library.entries
    fields = {field.key: field.value for field in entry.fields}
    assert "note" not in fields
    assert fields["author"] == "Smith, Jo"
    assert fields["doi"] == "10.1234/%7D,author=%7BX%7D,note=%7B"

    (ris,) = rispy.loads(download(client, post, "posts:cite-ris").content.decode())
    assert ris["doi"] == BREAKOUT_DOI
    assert ris["authors"] == ["Smith, Jo"]

    doc = html.fromstring(client.get(post.get_absolute_url()).content)
    assert doc.xpath("//p[@class='post__doi']/a/@href") == [
        "https://doi.org/10.1234/%7D%2Cauthor%3D%7BX%7D%2Cnote%3D%7B"
    ]


def test_and_or_a_comma_in_a_name_stays_in_that_name(client):
    authors = [make_person("Mary and Ann Smith, Jr"), make_person("Lee Jones")]
    post = make_post("Names", published_at=PUBLISHED, authors=authors)
    text = download(client, post, "posts:cite-bibtex").content.decode()
    library = bibtexparser.parse_string(
        text, append_middleware=[SeparateCoAuthors(), SplitNameParts()]
    )
    (entry,) = library.entries
    authors = entry.fields_dict["author"].value
    assert [(a.last, a.first) for a in authors] == [
        (["Jr"], ["Mary", "{and}", "Ann", "Smith{,}"]),
        (["Jones"], ["Lee"]),
    ]


def test_bibtex_key_and_url_are_escaped_too(client):
    post = make_post("Plain", published_at=PUBLISHED)
    entry = bibtexparser.parse_string(download(client, post, "posts:cite-bibtex").content.decode())
    (entry,) = entry.entries
    assert entry.key == "fulfillinglivessoutheast2022plain"
    assert entry.fields_dict["url"].value == "http://testserver" + post.get_absolute_url()


def unsaved_citation(title):
    """The citation of an unsaved post: the strings need no database."""
    from posts.citations import Citation, CitedAuthor

    post = Post(title=title, slug="t", published_at=PUBLISHED, doi="")
    return Citation(post, [CitedAuthor("Jo Smith", corporate=False)], "https://hub.example/t/")


@pytest.mark.parametrize(
    ("title", "cited_as"),
    [
        ("A pathway?", "A pathway? FLSE Learning Hub."),
        ("Nothing about us without us!", "Nothing about us without us! FLSE Learning Hub."),
        ("Wait…", "Wait… FLSE Learning Hub."),
        ("Who said “enough?”", "Who said “enough?” FLSE Learning Hub."),
        ("A plain title", "A plain title. FLSE Learning Hub."),
    ],
)
def test_apa_does_not_double_a_titles_own_closing_mark(title, cited_as):
    apa = unsaved_citation(title).apa()
    assert f"(2022, March 4). {cited_as} https://hub.example/t/" in apa
    assert "?." not in apa and "!." not in apa


@pytest.mark.parametrize(
    ("title", "cited_as"),
    [
        ("Why ‘hard to reach’ is wrong", "‘Why “hard to reach” is wrong’"),
        ("Why 'hard to reach' is wrong", "‘Why “hard to reach” is wrong’"),
        ('Why "hard to reach" is wrong', "‘Why “hard to reach” is wrong’"),
        ("‘Women’s voices’ in the system", "‘“Women’s voices” in the system’"),
        # Apostrophes are not quotation marks.
        ("Women's centres and workers' rights", "‘Women's centres and workers' rights’"),
        ("Women’s centres", "‘Women’s centres’"),
        ("A pathway?", "‘A pathway?’"),
    ],
)
def test_harvard_quotes_a_quotation_in_the_title_with_double_marks(title, cited_as):
    harvard = unsaved_citation(title).harvard()
    assert harvard.startswith(f"Smith, J. (2022) {cited_as}, FLSE Learning Hub, 4 March.")
