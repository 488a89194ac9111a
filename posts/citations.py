"""How to cite a post: APA and Harvard strings, BibTeX and RIS records, Highwire tags.

Authors are the post's public author credits in order; an anonymous credit is
cited by its public label, never the person's name. A post with no author
credit is cited to the organisation. A named person is split into family and
given names at the last space ("Jo Anne Smith" → Smith, Jo Anne), which suits
the names the hub prints; an anonymous label is a corporate name kept whole.

Every value is escaped for the format it goes into, whatever validated it
before: BibTeX text fields as LaTeX, BibTeX's verbatim fields (url, doi) by
percent-encoding, the key reduced to letters and digits, and RIS values to one
line each, so no value can close its field and start another.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as date_format

from posts.models import Credit


@dataclass(frozen=True)
class CitedAuthor:
    name: str
    corporate: bool  # a label or the organisation: never split into initials

    @property
    def _words(self):
        return self.name.split()

    @property
    def family(self):
        if self.corporate or len(self._words) < 2:
            return self.name
        return self._words[-1]

    @property
    def given(self):
        return "" if self.corporate else " ".join(self._words[:-1])

    @property
    def inverted(self):
        """Smith, Jo — for BibTeX, RIS and Highwire."""
        return f"{self.family}, {self.given}" if self.given else self.family

    @property
    def initials(self):
        """Smith, J. A. — for APA and Harvard."""
        if not self.given:
            return self.family
        letters = " ".join(f"{part[0]}." for part in re.split(r"[\s]+", self.given) if part)
        return f"{self.family}, {letters}"


def cited_authors(post, credits):
    """Public authors of `post` in byline order, from its (prefetched) credits."""
    authors = [
        CitedAuthor(credit.public_name, corporate=credit.anonymous)
        for credit in credits
        if credit.role == Credit.Role.AUTHOR
    ]
    return authors or [CitedAuthor(settings.ORGANISATION_NAME, corporate=True)]


# Marks that already close a title (a question, an exclamation, a full stop, an
# ellipsis): APA's own full stop after such a title would double them ("Pathway?.").
TERMINAL_PUNCTUATION = ("?", "!", ".", "…")


def _end_sentence(text):
    """`text` closed by a full stop, unless it already ends in terminal punctuation."""
    return text if text.rstrip("”’\"'").endswith(TERMINAL_PUNCTUATION) else f"{text}."


# A quotation inside a title: in curly or straight single quotes whose closing mark is
# not an apostrophe ending a word part (Women's, workers' rights stay as typed), or in
# straight double quotes.
_SINGLE_QUOTED = re.compile(r"(?<!\w)[‘'](?=\S)(.+?)(?<=\S)[’'](?!\w)")
_STRAIGHT_DOUBLE = re.compile(r'"(.+?)"')


def harvard_title(title):
    """The title in single quotes, a quotation inside it in double (Cite Them Right)."""
    inner = _SINGLE_QUOTED.sub(r"“\1”", title)
    inner = _STRAIGHT_DOUBLE.sub(r"“\1”", inner)
    return f"‘{inner}’"


def _join(names, last_sep):
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + last_sep + names[-1]


@dataclass
class Citation:
    post: object
    authors: list
    url: str  # the post's absolute URL

    @property
    def link(self):
        """The DOI link when the post has one: it outlives any web address."""
        return self.post.doi_url or self.url

    @property
    def date(self):
        return timezone.localtime(self.post.published_at)

    def apa(self):
        """APA 7th edition, blog post."""
        names = _join([a.initials for a in self.authors], ", & ")
        when = f"{self.date.year}, {date_format(self.date, 'F j')}"
        title = _end_sentence(self.post.title)
        return f"{names} ({when}). {title} {settings.SITE_NAME}. {self.link}"

    def harvard(self, accessed=None):
        """Harvard (Cite Them Right), blog post."""
        accessed = accessed or timezone.localdate()
        names = _join([a.initials for a in self.authors], " and ")
        return (
            f"{names} ({self.date.year}) {harvard_title(self.post.title)}, {settings.SITE_NAME}, "
            f"{date_format(self.date, 'j F')}. Available at: {self.link} "
            f"(Accessed: {date_format(accessed, 'j F Y')})."
        )

    def key(self):
        family = re.sub(r"[^A-Za-z]", "", self.authors[0].family) or "flse"
        word = next(iter(re.findall(r"[A-Za-z]{4,}", self.post.title)), "post")
        # Letters and digits only, whatever the parts become: a key ends at "," or "}".
        return re.sub(r"[^a-z0-9]", "", f"{family.lower()}{self.date.year}{word.lower()}")

    def bibtex(self):
        fields = [
            ("author", " and ".join(bibtex_name(a) for a in self.authors)),
            ("title", f"{{{bibtex_escape(self.post.title)}}}"),
            ("year", str(self.date.year)),
            ("month", date_format(self.date, "b")),
            ("date", self.date.date().isoformat()),
            ("organization", bibtex_escape(settings.ORGANISATION_NAME)),
            ("howpublished", bibtex_escape(settings.SITE_NAME)),
            ("url", bibtex_verbatim(self.url)),
            ("urldate", timezone.localdate().isoformat()),
            ("abstract", bibtex_escape(self.post.standfirst)),
            ("language", "english"),
        ]
        if self.post.doi:
            fields.append(("doi", bibtex_verbatim(self.post.doi)))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        return f"@misc{{{self.key()},\n{body}\n}}\n"

    def ris(self):
        lines = [("TY", "BLOG")]
        lines += [("AU", a.inverted) for a in self.authors]
        lines += [
            ("TI", self.post.title),
            ("T2", settings.SITE_NAME),
            ("PB", settings.ORGANISATION_NAME),
            ("PY", str(self.date.year)),
            ("DA", self.date.strftime("%Y/%m/%d")),
            ("UR", self.url),
            ("AB", " ".join(self.post.standfirst.split())),
            ("LA", "en"),
            ("Y2", timezone.localdate().strftime("%Y/%m/%d")),
        ]
        if self.post.doi:
            lines.append(("DO", self.post.doi))
        lines.append(("ER", ""))
        # RIS: "TAG  - value", CRLF line ends; one line per value.
        return "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines)

    def highwire(self):
        """(name, content) pairs for citation_* meta tags, as Zotero and Google Scholar read."""
        updated = timezone.localtime(max(self.post.updated_at, self.post.published_at))
        tags = [("citation_title", self.post.title)]
        tags += [("citation_author", a.inverted) for a in self.authors]
        tags += [
            ("citation_publication_date", self.date.strftime("%Y/%m/%d")),
            ("citation_online_date", updated.strftime("%Y/%m/%d")),
            ("citation_publisher", settings.ORGANISATION_NAME),
            ("citation_public_url", self.url),
            ("citation_abstract_html_url", self.url),
            ("citation_language", "en"),
        ]
        if self.post.doi:
            tags.append(("citation_doi", self.post.doi))
        return tags


BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


# Pairs TeX fonts join into another character ("--" is an en dash, "''" a closing
# quote, "!`" an inverted "!"): an empty group between them keeps both as typed.
LIGATURES = {"--", "''", "``", "!`", "?`", ",,", "<<", ">>"}


def bibtex_escape(text):
    """Escape LaTeX's special characters on one line; keep Unicode (biber, Zotero read UTF-8)."""
    out = []
    previous = ""
    for ch in " ".join(str(text).split()):
        if previous + ch in LIGATURES:
            out.append("{}")
        out.append(BIBTEX_SPECIALS.get(ch, ch))
        previous = ch
    return "".join(out)


_AND = re.compile(r"(?<!\S)and(?!\S)", re.IGNORECASE)


def bibtex_name(author):
    """An author for BibTeX's name list: "Family, Given", or a corporate name in braces.

    BibTeX splits the list at a bare "and" and a name into parts at commas; a
    word "and" or a comma inside a person's name is braced so it stays part of
    that name (braces are what BibTeX reads as "keep as is").
    """
    if author.corporate:
        return f"{{{bibtex_escape(author.name)}}}"

    def part(text):
        return _AND.sub("{\\g<0>}", bibtex_escape(text)).replace(",", "{,}")

    if not author.given:
        return part(author.family)
    return f"{part(author.family)}, {part(author.given)}"


def bibtex_verbatim(value):
    """A url or doi value: biblatex reads these verbatim, so LaTeX escapes would show.

    Percent-encoding is the escape both a URL and a DOI link understand: no
    brace, backslash, quote or space is left to end the field or start another.
    """
    return quote(" ".join(str(value).split()), safe="/:;?#[]@!$&'()*+,=-._~%")
