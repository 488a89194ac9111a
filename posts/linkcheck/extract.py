"""Reading content without fetching anything: the external links and DOIs in sanitised
HTML or plain text, link text left pointing at nothing, and deadlines that have passed.

The HTML has been through posts.sanitize, so a small HTMLParser is enough; nothing here
trusts it beyond reading text and href attributes.
"""

import datetime
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Crossref's shape (posts.models.doi_validator), as it appears in running text.
DOI_IN_TEXT = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)")
URL_IN_TEXT = re.compile(r"\bhttps?://[^\s\"<>]+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}’'\""

BLOCK_TAGS = {
    "p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figcaption",
    "td", "th", "dt", "dd", "pre", "div", "ul", "ol", "table", "figure",
}  # fmt: skip

# Words that promise a link. Matched only in text outside links: "click <a>here</a>"
# has its link. Each was seen in the organisation's own posts or is common in them.
DANGLING = re.compile(
    r"\b(?:click here|(?:available|download|read more|find out more|learn more|see)"
    r"(?: to download)?(?: it)? here|available (?:at|from)|can be found (?:at|here)"
    r"|at the following (?:link|address)|(?:see|use|follow) the link below|here\s*:)",
    re.IGNORECASE,
)

MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
         ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
         ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
         ("december", "dec")],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
# Words that make the date a deadline: "by 1st June 2022", "deadline: 30 May 2023",
# "closes on Friday 3 March 2023", "closing date 01/02/2023", "no later than …".
_CUE = (
    r"\b(?:by|no later than|deadline(?:\s+is)?\s*:?|"
    r"clos(?:es|ing date(?:\s+is)?|ing)(?:\s+on)?\s*:?|apply before|register before)"
)
DEADLINE = re.compile(
    _CUE
    + r"\s+(?:the\s+)?"
    + _WEEKDAY
    + r"(?:"
    + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)"
    + r"|" + _MONTH.replace("month", "month2") + r"\s+" + _DAY.replace("day", "day2")
    + r",?\s+(?P<year2>(?:19|20)\d\d)"
    + r"|(?P<day3>[0-3]?\d)/(?P<month3>[01]?\d)/(?P<year3>(?:19|20)\d\d)"
    + r")\b",
    re.IGNORECASE,
)  # fmt: skip


@dataclass
class Segment:
    text: str
    href: str | None


@dataclass
class Block:
    segments: list[Segment] = field(default_factory=list)

    @property
    def text(self):
        return "".join(s.text for s in self.segments)

    def has_link(self):
        return any(s.href for s in self.segments)


@dataclass
class FoundLink:
    url: str
    text: str


@dataclass
class FoundIssue:
    kind: str  # TextIssue.Kind values
    excerpt: str
    date: datetime.date | None = None


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = [Block()]
        self.links = []
        self._href = None
        self._link_text = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self.blocks.append(Block())
        elif tag == "br":
            self.blocks[-1].segments.append(Segment(" ", None))
        elif tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._link_text = []

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self.blocks.append(Block())
        elif tag == "a" and self._href is not None:
            self.links.append(
                FoundLink(self._href.strip(), " ".join("".join(self._link_text).split()))
            )
            self._href = None

    def handle_data(self, data):
        self.blocks[-1].segments.append(Segment(data, self._href))
        if self._href is not None:
            self._link_text.append(data)


def read_html(html):
    """(blocks of text with their links, every <a>) of `html`."""
    reader = _Reader()
    reader.feed(html or "")
    reader.close()
    blocks = [b for b in reader.blocks if b.text.strip()]
    return blocks, reader.links


def is_external(url):
    """An absolute http(s) address: the only kind the checker ever fetches."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _strip_trailing(text):
    while text and text[-1] in TRAILING_PUNCTUATION:
        # "(see 10.1/abc)" keeps nothing of the bracket; "10.1/a(b)" keeps its own.
        if text[-1] == ")" and text.count("(") >= text.count(")"):
            break
        text = text[:-1]
    return text


def urls_in_text(text):
    return [_strip_trailing(u) for u in URL_IN_TEXT.findall(text or "")]


def dois_in_text(text):
    return [_strip_trailing(d) for d in DOI_IN_TEXT.findall(text or "")]


def links_in_html(html):
    """The external links of `html` as FoundLink(url, link text), in order, with duplicates."""
    _, links = read_html(html)
    return [link for link in links if is_external(link.url)]


def _excerpt(text, start, end, width=60):
    left = max(0, start - width)
    right = min(len(text), end + width)
    snippet = " ".join(text[left:right].split())
    return ("…" if left else "") + snippet + ("…" if right < len(text) else "")


def _points_somewhere(text):
    return bool(URL_IN_TEXT.search(text) or DOI_IN_TEXT.search(text) or re.search(r"\bwww\.", text))


def dangling_link_text(blocks):
    """Phrases that promise a link ("available to download here:") with none after them.

    A link, address or DOI later in the same block answers the promise; so does a link
    in the next block when the phrase ends its block ("Read more here:" then a list).
    """
    found = []
    for index, block in enumerate(blocks):
        text = block.text
        offset = 0
        for segment_number, segment in enumerate(block.segments):
            if segment.href is None:
                for match in DANGLING.finditer(segment.text):
                    rest_segments = block.segments[segment_number + 1 :]
                    rest_text = segment.text[match.end() :] + "".join(s.text for s in rest_segments)
                    if any(s.href for s in rest_segments) or _points_somewhere(rest_text):
                        continue
                    ends_block = not re.sub(r"[\s.,;:!?…-]", "", rest_text)
                    if ends_block and index + 1 < len(blocks) and blocks[index + 1].has_link():
                        continue
                    found.append(
                        FoundIssue(
                            "dangling",
                            _excerpt(text, offset + match.start(), offset + match.end()),
                        )
                    )
            offset += len(segment.text)
    return found


def _deadline_date(match):
    groups = match.groupdict()
    try:
        if groups["year"]:
            return datetime.date(
                int(groups["year"]), MONTHS[groups["month"].lower()], int(groups["day"])
            )
        if groups["year2"]:
            return datetime.date(
                int(groups["year2"]), MONTHS[groups["month2"].lower()], int(groups["day2"])
            )
        # UK order: 01/02/2023 is the 1st of February.
        return datetime.date(int(groups["year3"]), int(groups["month3"]), int(groups["day3"]))
    except ValueError:  # 31 June, 13/13/2023: not a date, so not a deadline
        return None


def past_deadlines(texts, today):
    """Deadlines ("by 1st June 2022", "closes on 3 March 2023") earlier than `today`."""
    found = []
    for text in texts:
        for match in DEADLINE.finditer(text):
            when = _deadline_date(match)
            if when is not None and when < today:
                found.append(
                    FoundIssue("deadline", _excerpt(text, match.start(), match.end()), when)
                )
    return found


def text_issues(html, today, *, plain=()):
    """Every dangling link text and past deadline in `html` and the `plain` texts."""
    blocks, _ = read_html(html)
    texts = [b.text for b in blocks] + [t for t in plain if t]
    return dangling_link_text(blocks) + past_deadlines(texts, today)
