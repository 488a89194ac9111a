"""The reader's query language, parsed once and compiled by each backend.

Readers type what they would type into any search box: several words (all
must match), "quoted phrases", -excluded words and OR between alternatives.
Everything else — FTS5 or tsquery operators, SQL, punctuation, emoji — is
treated as a word separator, so no input can reach the database as syntax:
the backends only ever receive the plain lowercase words kept here.
"""

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 500
MAX_TERMS = 16
MAX_WORD_LENGTH = 40

# PostgreSQL's english.stop list. Both backends drop these from plain words,
# so "the women's hub" behaves the same on SQLite (which indexes every word)
# as on PostgreSQL (which indexes none of them).
STOPWORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will just
    don should now""".split()  # noqa: SIM905 — the list as PostgreSQL prints it
)

_QUOTES = str.maketrans(
    {
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote
        "\u201a": "'",  # low single quote
        "\u201b": "'",  # reversed single quote
        "\u2032": "'",  # prime
        "\u02bc": "'",  # modifier apostrophe
        "\u201c": '"',  # left double quote
        "\u201d": '"',  # right double quote
        "\u201e": '"',  # low double quote
        "\u201f": '"',  # reversed double quote
        "\u2033": '"',  # double prime
        "\u00ab": '"',  # left guillemet
        "\u00bb": '"',  # right guillemet
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2212": "-",  # minus sign
    }
)
# An apostrophe inside a word splits it, as both tokenisers split the posts' text: Women's
# (curly or straight) is "women s", so the phrase "women's hub" matches the text, and the
# word Women's finds what Womens does ("s" is a stopword; both stem to "women").
_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def fold(text, *, lower=True):
    """Accent-free, straight-quoted text, control characters as spaces (lowercase by default)."""
    if not text.isascii():  # curly quotes and accents are all beyond ASCII
        text = "".join(
            ch
            for ch in unicodedata.normalize("NFKD", text.translate(_QUOTES))
            if not unicodedata.combining(ch)
        )
    text = _INNER_APOSTROPHE.sub(" ", _CONTROL.sub(" ", text))
    return text.lower() if lower else text


def words(text):
    """The searchable words of already folded text (hyphenated compounds kept whole)."""
    return [w[:MAX_WORD_LENGTH] for w in _WORD.findall(text)]


@dataclass(frozen=True)
class Term:
    """One thing a document must (or must not) contain: a word or a phrase of words."""

    words: tuple[str, ...]

    @property
    def is_phrase(self):
        return len(self.words) > 1

    @property
    def text(self):
        return " ".join(self.words)


@dataclass
class ParsedQuery:
    """Required groups (each an OR of terms; all groups must match) and excluded terms."""

    groups: list[tuple[Term, ...]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    def __bool__(self):
        return bool(self.groups)

    @property
    def plain_words(self):
        """Every word the reader asked for, for spelling suggestions."""
        return [w for group in self.groups for term in group for w in term.words]


# Prefixes readers write both joined and hyphenated: "coproduction", "co-production".
COMPOUND_PREFIXES = ("co", "multi", "non", "inter", "cross", "self", "anti", "sub", "post", "pre")


def _phrase_for(word_list):
    """A phrase Term from folded words; hyphenated words split as both tokenisers split them."""
    parts = [p for word in word_list for p in word.split("-") if p]
    return Term(tuple(parts)) if parts else None


def _alternatives_for(word):
    """The terms that satisfy one plain word (empty for a stopword).

    "co-production" matches the phrase "co production" or the word "coproduction", and
    "coproduction" matches either too, so readers need not guess the house spelling.
    """
    if word in STOPWORDS:
        return ()
    parts = [p for p in word.split("-") if p]
    if len(parts) > 1:
        return (Term(tuple(parts)), Term(("".join(parts),)))
    for prefix in COMPOUND_PREFIXES:
        rest = word.removeprefix(prefix)
        if rest != word and len(rest) >= 4:
            return (Term((word,)), Term((prefix, rest)))
    return (Term((word,)),)


def parse(raw):
    """Parse a reader's query. Never raises; hostile input yields an empty query."""
    # Case is kept until each token is read, because only a capitalised OR is the operator.
    text = fold(raw[:MAX_QUERY_LENGTH], lower=False)
    query = ParsedQuery()
    pending_or = False
    for match in _TOKEN.finditer(text):
        negated, phrase, bare = match.groups()
        if bare is not None:
            if bare in ("OR", "|", "||"):
                pending_or = bool(query.groups)
                continue
            negated = "-" if bare.startswith("-") and len(bare) > 1 else ""
            # "a+b", "foo:bar", "x(y)": words glued by operators are separate words.
            groups = [g for w in words(bare.lower()) if (g := _alternatives_for(w))]
        else:
            term = _phrase_for(words(phrase.lower()))
            groups = [(term,)] if term else []
        if not groups:
            continue
        if negated:
            query.excluded.extend(t for g in groups for t in g)
            pending_or = False
            continue
        if pending_or:
            query.groups[-1] = (*query.groups[-1], *groups.pop(0))
        pending_or = False
        query.groups.extend(groups)
    query.groups = _dedupe(query.groups)[:MAX_TERMS]
    query.excluded = list(dict.fromkeys(query.excluded))[:MAX_TERMS]
    return query


def _dedupe(groups):
    seen = set()
    result = []
    for group in groups:
        key = frozenset(group)
        if key not in seen:
            seen.add(key)
            result.append(group)
    return result
