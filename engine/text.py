"""Text cleaning and folding, in one place: display titles, link names, infobox values, and the
folded keys that catalog titles and typed text are matched by."""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.entities import html5 as _HTML5
from urllib.parse import quote

_SPACES = re.compile(r"\s+")
# The upstream table pads quotes: `Behind  " The Lord of the Rings "` -> `Behind "The Lord of the Rings"`.
_PADDED_QUOTE = re.compile(r'"\s*([^"]*?)\s*"')
_SPACE_BEFORE_PUNCT = re.compile(r'"\s+([:;,.!?])')


def clean_title(raw: str) -> str:
    """A Wikipedia article title as people read it: single spaces, tidy quotes."""
    text = _SPACES.sub(" ", decode_entities(raw)).strip()
    if '"' in text:
        text = _PADDED_QUOTE.sub(r'"\1"', text)
        text = _SPACE_BEFORE_PUNCT.sub(r'"\1', text)
    return text


def clean_link(raw: str) -> str:
    """A link name as the article's cleaning keeps it: lowercase, single spaces."""
    return _SPACES.sub(" ", raw.replace("_", " ")).strip().lower()


def wikipedia_url(title: str) -> str:
    return "https://en.wikipedia.org/wiki/" + quote(title.replace(" ", "_"), safe="()_,'!:-.")


def strip_accents(text: str) -> str:
    if text.isascii():  # nothing to strip, and most names are (0.7 s of a 100k-book load)
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# ---------------------------------------------------------------- entities and namespaces
# An entity needs its semicolon here ('AT&T', '&copy' in a name stay as typed); the 2018 table
# also spaces entities out: 'c. & nbsp;s. lewis', 'poetry & amp; essay', '& #91;'.
_ENTITY = re.compile(r"&\s*(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*)\s*;")


def _decode_entity(match: re.Match) -> str:
    name = match.group(1)
    if not name.startswith("#") and name + ";" not in _HTML5:
        name = name.lower()  # entity names are case-sensitive; 'Nbsp' is only a capitalised 'nbsp'
        if name + ";" not in _HTML5:
            return match.group(0)  # '&  sons;': an ampersand in a name, then a stray semicolon
    return html.unescape(f"&{name};")


def decode_entities(text: str) -> str:
    """HTML entities as the characters they stand for, and non-breaking spaces as plain ones."""
    return _ENTITY.sub(_decode_entity, text).replace("\u00a0", " ").replace("\u202f", " ")


# MediaWiki's namespaces other than the articles' (and their talk pages): a title that starts
# with one of these names and a colon is no book, whatever its infobox says.
NON_ARTICLE_NAMESPACES = frozenset({
    "talk", "user", "wikipedia", "wp", "project", "file", "image", "mediawiki", "template",
    "help", "category", "portal", "draft", "timedtext", "module", "book", "education program",
    "gadget", "gadget definition", "topic", "special", "media", "event",
})


def namespace_of(title: str) -> str:
    """'Draft:Blood on Snow' -> 'draft', 'User talk:X' -> 'user talk'. MediaWiki writes no space
    after a namespace's colon, so 'Book: A Futurist's Manifesto' and 'Halo: Contact Harvest'
    are articles -> ''."""
    prefix, colon, rest = title.partition(":")
    folded = _SPACES.sub(" ", prefix.replace("_", " ")).strip().lower()
    if not colon or not rest or rest[0].isspace():
        return ""
    base = folded.removesuffix(" talk")
    return folded if base in NON_ARTICLE_NAMESPACES else ""


def is_article_title(title: str) -> bool:
    return not namespace_of(title)


# ---------------------------------------------------------------- infobox values
# Wiki markup left in infobox values: comments (a closing '-- >' whose opening was lost ends a
# comment that began the value), references, line breaks, other tags, links, templates, notes.
_COMMENT = re.compile(r"<\s*!--.*?(--\s*>|$)", re.S)
_DANGLING_COMMENT_END = re.compile(r"^.*--\s*>", re.S)
_REF = re.compile(r"<\s*ref[^>]*?(/\s*>|>.*?<\s*/\s*ref\s*>|$)", re.S | re.I)
_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.I)
_TAG = re.compile(r"<[^>]*>?")
_WIKILINK = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
_WRAPPED = re.compile(r"^\s*[\[{]([^\[\]{}]*)[\]}]\s*$")  # '[joshua mowll]', '{existentialism}'
_NOTE = re.compile(r"\[[^\[\]]*\]")  # 'f. r. scott, ed. [anon.]': an editor's aside
_STRAY = re.compile(r"[\[\]{}]")
_SEPARATOR = re.compile(r"\s*[>|]\s*")  # 'nonfiction > political science', a stray '|'
_URL = re.compile(r"(?:https?://|www\.)\S*", re.I)
_QUERY = re.compile(r"\s*&\s*[A-Za-z0-9_]+=\S*")  # 'dodd mead & fq=yr%3a1954': an address's tail
# A reference whose tags were lost: its sentence starts at a spaced full stop, and no name,
# genre or country says 'retrieved', 'p. 30', an ISBN or an OCLC number.
_CITATION_START = re.compile(r"\s\.(?:\s|$).*", re.S)
_CITATION = re.compile(r"\bretrieved\b|\bpp?\. ?(?:[0-9]+|[xvi]{2,})\b|\bisbn\b|\boclc\b", re.I)
_QUOTES = ('"', "'")


def clean_infobox_value(raw: str) -> str:
    """'Richard Cook < br > Brian Morton < !-- x -- >' -> 'Richard Cook, Brian Morton'."""
    text = _COMMENT.sub(" ", decode_entities(raw))
    text = _DANGLING_COMMENT_END.sub(" ", text)
    text = _REF.sub(" ", text)
    text = _BREAK.sub(", ", text)
    text = _TAG.sub(" ", text)
    text = _QUERY.sub(" ", _URL.sub(" ", text))
    text = _TEMPLATE.sub(" ", _WIKILINK.sub(r"\1", text))
    text = _WRAPPED.sub(r"\1", text)
    text = _STRAY.sub(" ", _NOTE.sub(" ", text))
    text = _SEPARATOR.sub(", ", text)
    text = _SPACES.sub(" ", text).strip()
    text = re.sub(r"\s*,(\s*,)*", ",", text).replace(",", ", ")
    text = _SPACES.sub(" ", text).strip(" ,;")
    while len(text) > 1 and text[0] == text[-1] and text[0] in _QUOTES:
        text = text[1:-1].strip()
    text = _CITATION_START.sub("", text).strip(" ,;")
    if _CITATION.search(text):
        return ""  # a whole citation, with no telling where the value ended
    return _PADDED_QUOTE.sub(r'"\1"', text) if '"' in text else text


# ---------------------------------------------------------------- names
# Words that stay lowercase inside a name or a list of names ('Honoré de Balzac',
# 'Charles Bernstein and Bruce Andrews'); the catalog's own cased data overrides them.
NAME_PARTICLES = frozenset({"de", "van", "von", "der", "den", "da", "di", "del", "della", "dos",
                            "das", "ter", "ten", "zu", "y", "bin", "ibn"})
NAME_CONNECTORS = frozenset({"and", "with", "by", "of", "the", "edited", "ed.", "eds.", "et",
                             "al.", "translated", "trans.", "illustrated", "foreword",
                             "introduction"})
_NAME_SEPARATOR = re.compile(r"(\s*[,;/]\s*|\s+(?:and|&|with)\s+)", re.I)
_INITIALS = re.compile(r"^(?:[a-z]\.)+[a-z]?$")


@dataclass
class NameForms:
    """How names are cased, learnt from text that kept its case (the article file's links and
    infobox values): whole names ('ian mcewan' -> 'Ian McEwan') and the words whose case is
    not a plain capital ('mcewan' -> 'McEwan', 'de' -> 'de', 'usa' -> 'USA')."""

    whole: dict[str, str] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=dict)

    @classmethod
    def learn(cls, cased: Iterable[str], wanted: Iterable[str] = ()) -> NameForms:
        """`cased`: strings in their original case; `wanted`: the lowercased values to render.
        Whole forms are kept for the wanted values only; word forms come from those whole
        forms, so a word is learnt from names, not from any page that happens to hold it."""
        wanted_set = set(wanted)
        seen: dict[str, Counter] = {}
        for text in cased:
            folded = text.lower()
            if folded in wanted_set and text != folded:
                seen.setdefault(folded, Counter())[text] += 1
        whole = {k: c.most_common(1)[0][0] for k, c in seen.items()}
        word_counts: dict[str, Counter] = {}
        for form in whole.values():
            for i, word in enumerate(form.split(" ")):
                folded = word.lower()
                # A particle that starts a name is capitalised there ('De la Mare'): not evidence.
                if folded not in NAME_CONNECTORS and (i or folded not in NAME_PARTICLES):
                    word_counts.setdefault(folded, Counter())[word] += 1
        words = {}
        for folded, counts in word_counts.items():
            form = counts.most_common(1)[0][0]
            if form != _capital(folded) or folded in NAME_PARTICLES:  # what the rules may get wrong
                words[folded] = form
        return cls(whole, words)


def _capital(word: str) -> str:
    """'mcewan' -> 'McEwan', "o'brien" -> "O'Brien", 'jean-jacques' -> 'Jean-Jacques'; 'mac' is
    left to the data ('Mack', 'Machado' and 'Macy' are not 'MacK', 'MacHado', 'MacY')."""
    if _INITIALS.match(word):  # 'j.r.r.' -> 'J.R.R.'
        return word.upper()
    parts = word.split("-")
    out = []
    for part in parts:
        lead = len(part) - len(part.lstrip("\"'"))  # '"zeb"'
        part = part[:lead] + part[lead:lead + 1].upper() + part[lead + 1:]
        if len(part) > 2 and part[:2] == "Mc" and part[2].isalpha():
            part = "Mc" + part[2].upper() + part[3:]
        elif len(part) > 2 and part[1] in "'’" and part[0] in "ODLdol" and part[2].isalpha():
            part = part[:2] + part[2].upper() + part[3:]
        out.append(part)
    return "-".join(out)


def display_name(lowercased: str, forms: NameForms | None = None) -> str:
    """'j. r. r. tolkien' -> 'J. R. R. Tolkien', 'honoré de balzac' -> 'Honoré de Balzac';
    infobox values of the 2018 table arrive lowercased. `forms` (the data's own casing) wins
    over the rules, for a whole name and then word by word."""
    forms = forms or NameForms()
    if lowercased in forms.whole:
        return forms.whole[lowercased]
    parts = _NAME_SEPARATOR.split(lowercased)
    return "".join(part if i % 2 else _name(part, forms) for i, part in enumerate(parts))


def name_parts(value: str) -> list[str]:
    """'david weber, eric flint and x' -> ['david weber', 'eric flint', 'x']: the names a field lists."""
    return [part for i, part in enumerate(_NAME_SEPARATOR.split(value)) if not i % 2 and part]


def _name(name: str, forms: NameForms) -> str:
    if name in forms.whole:
        return forms.whole[name]
    words = name.split(" ")
    out = []
    for i, word in enumerate(words):
        core = word.rstrip(",:;")  # 'usa:' is the word 'usa'
        known = forms.words.get(core)
        known = known + word[len(core):] if known is not None else None
        if known is not None and (i or known[:1].isupper()):
            out.append(known)
        elif i and i < len(words) - 1 and word in NAME_PARTICLES:
            out.append(word)
        elif i and word in NAME_CONNECTORS:
            out.append(word)
        else:
            out.append(_capital(word))
    return " ".join(out)


# ---------------------------------------------------------------- folding for matching
# Letters from other scripts that look Latin (a Cyrillic "а" pasted into "The Hobbit"), letters
# that accents folding leaves alone, and invisible characters that only split words apart.
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ø": "o", "æ": "ae", "œ": "oe", "ð": "d", "đ": "d", "ł": "l",
    "þ": "th", "ı": "i", "ß": "ss", "&": " and ",
    "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None, "\u00ad": None,
})
# Apostrophes vanish ("sorcerer's" and "sorcerers" meet); any other non-word run is one space.
_APOSTROPHES = re.compile(r"['`´‘’ʼʻ′]")
_NON_WORD = re.compile(r"[\W_]+")
# ASCII text folds through a byte table (lower case kept, any other character a space; the two
# apostrophes deleted and "&" spelt out first): 2.2x faster than str.translate with a dict,
# which is most of the time to fold a 100,000-book catalog's 300,000 aliases at load.
_ASCII_BYTES = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 32 for c in range(128)) \
    + bytes(range(128, 256))
_ASCII_DELETED = b"'`"
# Dropped when a title starts with one and more words follow, on both sides of a comparison.
LEADING_ARTICLES = frozenset({"the", "a", "an", "le", "la", "les", "l", "der", "das", "el", "il",
                              "los", "las"})


def normalise(text: str) -> str:
    """Case, accents, Unicode look-alikes, punctuation and spacing folded away."""
    text = text or ""
    if text.isascii():  # most titles: one table lookup per character
        if "&" in text:
            text = text.replace("&", " and ")
        return " ".join(text.encode("ascii").translate(_ASCII_BYTES, _ASCII_DELETED)
                        .decode("ascii").split())
    text = strip_accents(unicodedata.normalize("NFKC", text).casefold().translate(_LOOKALIKES))
    return _NON_WORD.sub(" ", _APOSTROPHES.sub("", text)).strip()


def strip_article(key: str) -> str:
    """'the hobbit' -> 'hobbit'; a title that is only an article keeps it."""
    head, _, rest = key.partition(" ")
    return rest if rest and head in LEADING_ARTICLES else key
