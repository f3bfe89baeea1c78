"""The one rule that says what a book is, and what a book page holds, read from its wikitext.

Both fetch paths (a dump, the Action API) hand every page here, so they agree by construction:

- a book is a main-namespace page that transcludes `Infobox book` or a template that redirects to
  it (`book_templates` computes that set from template redirects read from the data);
- a book row is the article's format, `[title, infobox, wikilinks, external_links, timestamp,
  n_characters]`, with the infobox values as clean plain text;
- a redirect page is an alias of the book it points to, unless it points into a section or is
  tagged as a redirect from a character or section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import mwparserfromhell
from mwparserfromhell.nodes import (
    Argument,
    Comment,
    ExternalLink,
    Heading,
    HTMLEntity,
    Tag,
    Template,
    Text,
    Wikilink,
)

from engine.text import decode_entities, is_article_title

MAIN_NAMESPACE = 0
TEMPLATE_NAMESPACE = 10
BOOK_INFOBOX = "Infobox book"
DISAMBIGUATION = "Disambiguation"

# Redirect categories that say the redirect names a part of a book, not the book.
_NOT_THE_BOOK = frozenset({"R to section", "R to anchor", "R from fictional character",
                           "R from character", "R to list entry", "R from fictional element",
                           "R from fictional location", "R from member"})
# Disambiguation templates that are their own pages (not redirects to {{Disambiguation}}).
DISAMBIGUATION_TEMPLATES = frozenset({"Disambiguation", "Hndis", "Geodis", "Disambiguation cleanup",
                         "Set index article", "Human name disambiguation"})
# Link prefixes that leave this wiki: sister projects and the interwiki map's common entries.
_INTERWIKI = frozenset({
    "w", "wikipedia:w", "wikt", "wiktionary", "b", "wikibooks", "q", "wikiquote", "s",
    "wikisource", "n", "wikinews", "v", "wikiversity", "voy", "wikivoyage", "c", "commons",
    "m", "meta", "metawiki", "mw", "mediawikiwiki", "species", "wikispecies", "d", "wikidata",
    "f", "wikifunctions", "foundation", "wmf", "incubator", "phab", "outreach", "oldwikisource",
    "google", "imdbname", "imdbtitle", "iarchive", "doi", "arxiv", "rfc", "special",
})
_FILE_PREFIXES = frozenset({"file", "image", "media"})
# A language code as written in an interlanguage link: "fr", "zh-yue", "be-tarask", "simple".
_LANGUAGE = re.compile(r"^(?:[a-z]{2,3}(?:-[a-z]{2,8})*|simple)$")
_REDIRECT = re.compile(r"^\s*#\s*redirect\s*:?\s*\[\[([^\]|]*)(?:\|[^\]]*)?\]\]", re.I)
_SPACES = re.compile(r"[\s\u00a0]+")
_TITLE_SPACES = re.compile(r"[\s\u00a0_]+")  # in titles an underscore is a space
_BULLET = re.compile(r"^[*#:;]+\s*")

# Formatting templates whose first positional argument is the text ({{nowrap|C. S. Lewis}}).
_WRAPPERS = frozenset({"Nowrap", "Nobr", "Nobreak", "No wrap", "Small", "Smaller", "Big",
                       "Midsize", "Larger", "Nowrap begin", "Noitalic", "Nobold",
                       "Not a typo", "Sic", "Linktext",
                       "Smallcaps", "Sc", "Abbr", "Title case", "Nihongo", "Em", "Strong", "Var",
                       "Keep together", "Avoid wrap", "Nowrap end", "Tooltip",
                       # a link to another language's article: its first argument is the name
                       "Ill", "Interlanguage link", "Interlanguage link multi", "Ill-wd",
                       # identifiers whose template only adds a link
                       "ISBN", "ISBNT", "OCLC", "LCCN", "ISSN"})
# List templates: every positional argument (or every bullet line of the first) is one item.
_LISTS = frozenset({"Plainlist", "Plain list", "Flatlist", "Flat list", "Unbulleted list", "Ubl",
                    "Ublist", "Ubt", "Unbulleted", "Hlist", "Bulleted list", "Bulleted",
                    "Blist", "Bullet list", "Collapsible list", "Cslist", "Comma separated list",
                    "Csl", "Enum", "Ordered list", "Olist", "Endplainlist", "Startplainlist",
                    "Pagelist", "Br separated entries", "Bare list", "Indented plainlist"})
_DATES = frozenset({"Start date", "Start date and age", "Publication date", "Release date",
                    "Film date", "Start and end dates", "End date", "Date", "Dts", "Birth date"})
# Templates that stand for one character, a space or a line break.
_SYMBOLS = {"'": "'", "'s": "'s", "Snd": " – ", "Spaced ndash": " – ", "Spaced en dash": " – ",
            "Ndash": "–", "En dash": "–", "Mdash": "—", "Em dash": "—", "·": "·", "Middot": "·",
            "Dot": "·", "Nbsp": " ", "Thinsp": " ", "Sp": " ", "Space": " ", "Spaces": " ",
            "Nbhyph": "-", "Br": "\n", "Break": "\n", "Crlf": "\n"}
# {{lang|fr|texte}}; Langx replaced most {{lang-fr|texte}} on Wikipedia in 2024.
_LANG_TEXT_SECOND = frozenset({"Lang", "Langx", "Transl", "Transliteration", "Script"})
# The text is the last argument: {{URL|https://…|shown}} or {{resize|90%|text}}.
_TEXT_LAST = frozenset({"URL", "Resize"})


def title_key(name: str) -> str:
    """A page or template name as MediaWiki compares them: spaces for underscores, single
    spaces, the first letter capitalised (the rest is case-sensitive)."""
    name = _TITLE_SPACES.sub(" ", decode_entities(name)).strip()
    return name[:1].upper() + name[1:]


def template_key(name: str) -> str:
    """'template:infobox_Book ' -> 'Infobox Book' (the Template: prefix is implied)."""
    key = title_key(name)
    if key[:9].lower() == "template:":
        key = title_key(key[9:])
    return key


def name_of(template: Template) -> str:
    """A transclusion's template key, comments in the name left out."""
    return template_key("".join(str(n) for n in template.name.nodes if not isinstance(n, Comment)))


def closure_of(root: str, redirects: Mapping[str, str]) -> frozenset[str]:
    """`root` and every template key that redirects to it, through chains of redirects."""
    pointing: dict[str, list[str]] = {}
    for source, target in redirects.items():
        pointing.setdefault(template_key(target), []).append(template_key(source))
    found, todo = {root}, [root]
    while todo:
        for source in pointing.get(todo.pop(), ()):
            if source not in found:
                found.add(source)
                todo.append(source)
    return frozenset(found)


def book_templates(template_redirects: Mapping[str, str]) -> frozenset[str]:
    """The template keys that stand for the book infobox, from the wiki's own redirects."""
    return closure_of(BOOK_INFOBOX, template_redirects)


def disambiguation_templates(template_redirects: Mapping[str, str]) -> frozenset[str]:
    return frozenset().union(*(closure_of(t, template_redirects) for t in DISAMBIGUATION_TEMPLATES))


# ---------------------------------------------------------------- redirects
@dataclass(frozen=True)
class RedirectLink:
    target: str  # the title key it points to
    fragment: str  # the section or anchor after '#', '' for the page itself


def redirect_link(wikitext: str) -> RedirectLink | None:
    """What a redirect page points to, or None when the text is not a redirect."""
    match = _REDIRECT.match(wikitext or "")
    if not match:
        return None
    target, _, fragment = match.group(1).partition("#")
    target = target.strip().lstrip(":")
    return RedirectLink(title_key(target), fragment.strip()) if target else None


def alias_target(wikitext: str) -> str | None:
    """The page a redirect makes this title an alias of: None for a section or character
    redirect (the book is not that title), and for a text that is no redirect."""
    link = redirect_link(wikitext)
    if link is None or link.fragment:
        return None
    tags = {name_of(t) for t in mwparserfromhell.parse(wikitext).filter_templates()}
    return None if tags & _NOT_THE_BOOK else link.target


# ---------------------------------------------------------------- books
@dataclass(frozen=True)
class BookPage:
    title: str
    infobox: dict[str, str]
    wikilinks: list[str]
    external_links: list[str]
    timestamp: str
    n_characters: int
    templates: frozenset[str] = frozenset()  # every template it transcludes (not in the row)

    def row(self) -> list:
        """The article's ndjson row."""
        return [self.title, self.infobox, self.wikilinks, self.external_links, self.timestamp,
                self.n_characters]


def read_page(title: str, namespace: int, wikitext: str, timestamp: str,
              book_infoboxes: Iterable[str]) -> BookPage | None:
    """The book fields of a main-namespace page that transcludes one of `book_infoboxes`
    (the first such transclusion is its infobox), else None. `is_book` has the last word."""
    if namespace != MAIN_NAMESPACE or redirect_link(wikitext) is not None:
        return None
    code = mwparserfromhell.parse(wikitext)
    book_infoboxes = frozenset(book_infoboxes)
    templates = [(name_of(t), t) for t in code.filter_templates()]
    infobox = next((t for key, t in templates if key in book_infoboxes), None)
    if infobox is None:
        return None
    return BookPage(title, infobox_fields(infobox), wikilinks(code), external_links(code),
                    timestamp, len(wikitext), frozenset(key for key, _ in templates))


def is_book(page: BookPage, disambiguations: Iterable[str] = DISAMBIGUATION_TEMPLATES) -> bool:
    """A page with the book infobox that is an article (no draft, user or project page, whatever
    namespace number it came with) and no disambiguation page."""
    return (is_article_title(page.title) and not page.title.endswith("(disambiguation)")
            and not page.templates & set(disambiguations))


def parse_book(title: str, namespace: int, wikitext: str, timestamp: str,
               book_infoboxes: Iterable[str], disambiguations: Iterable[str] = DISAMBIGUATION_TEMPLATES
               ) -> BookPage | None:
    """The book on this page, or None when the page is not a book by the rule above."""
    page = read_page(title, namespace, wikitext, timestamp, book_infoboxes)
    return page if page is not None and is_book(page, disambiguations) else None


def infobox_fields(template: Template) -> dict[str, str]:
    fields = {}
    for param in template.params:
        name = plain_text(param.name)
        value = plain_text(param.value)
        if name and value:
            fields[name] = value
    return fields


def wikilinks(code) -> list[str]:
    """Every link target in page order, repeats kept (the article's format): anchors cut off,
    files, interwiki and interlanguage links dropped, categories kept as `Category:Name`."""
    out = []
    for link in code.filter_wikilinks():
        target = link_target(str(link.title))
        if target:
            out.append(target)
    return out


def link_target(raw: str) -> str | None:
    raw = decode_entities(raw).strip()
    raw = raw[1:].strip() if raw.startswith(":") else raw  # [[:Category:X]] links, not files
    page = _TITLE_SPACES.sub(" ", raw.partition("#")[0]).strip()
    if not page:
        return None  # [[#Plot]]: a section of this page
    prefix, colon, rest = page.partition(":")
    if colon:
        folded = prefix.strip().lower()
        if folded in _FILE_PREFIXES or folded in _INTERWIKI:
            return None
        if _LANGUAGE.match(prefix.strip()):  # written in lower case: an interlanguage link
            return None
        if folded == "category":
            rest = rest.strip()
            return f"Category:{rest[:1].upper()}{rest[1:]}" if rest else None
    return page


def external_links(code) -> list[str]:
    return [str(link.url).strip() for link in code.filter_external_links()]


# ---------------------------------------------------------------- plain text
def plain_text(wikicode) -> str:
    """Infobox wikitext as the text a reader sees: links as their text, entities decoded,
    comments and references gone, wrappers unwrapped, list items and line breaks as ', '."""
    lines = []
    for line in _render(wikicode).split("\n"):
        line = _SPACES.sub(" ", _BULLET.sub("", line.strip())).strip(" ,")
        if line:
            lines.append(line)
    text = ", ".join(lines)
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = re.sub(r"([(])\s+", r"\1", text)
    return re.sub(r",(\s*,)+", ",", text).strip(" ,")


def _render(wikicode) -> str:
    return "".join(_render_node(node) for node in wikicode.nodes)


def _render_node(node) -> str:
    if isinstance(node, Text):
        return node.value
    if isinstance(node, HTMLEntity):
        return node.normalize()
    if isinstance(node, Comment | Argument):
        return ""
    if isinstance(node, Wikilink):
        target = link_target(str(node.title))
        if target is None:  # an image in the field: its file name is the value
            file = str(node.title).strip()
            return file if file.partition(":")[0].strip().lower() in _FILE_PREFIXES else ""
        if target.startswith("Category:"):
            return ""
        return _render(node.text) if node.text is not None else str(node.title).strip().lstrip(":")
    if isinstance(node, ExternalLink):
        return _render(node.title) if node.title is not None else str(node.url)
    if isinstance(node, Tag):
        tag = str(node.tag).strip().lower()
        if tag in ("ref", "references", "gallery", "math", "score", "templatestyles"):
            return ""
        if tag in ("br", "hr", "li", "p"):
            return "\n" + (_render(node.contents) if node.contents else "") + "\n"
        return _render(node.contents) if node.contents is not None else ""
    if isinstance(node, Template):
        return _render_template(node)
    if isinstance(node, Heading):
        return _render(node.title)
    return str(node)


def _positional(template: Template) -> list:
    return [p.value for p in template.params if not p.showkey]


def _render_template(template: Template) -> str:
    key = name_of(template)
    args = _positional(template)
    if key in _LISTS:
        return "\n" + "\n".join(_render(value) for value in args) + "\n"
    if key in _LANG_TEXT_SECOND or key.startswith("Lang-"):
        chosen = args[1:2] if key in _LANG_TEXT_SECOND else args[:1]
        return "".join(_render(value) for value in chosen)
    if key in _WRAPPERS:
        if template.has("lt"):  # {{ill|English title|de|lt=the text shown}}
            return _render(template.get("lt").value)
        return _render(args[0]) if args else ""
    if key in _DATES:
        parts = [_render(value).strip() for value in args[:3]]
        parts = [p for p in parts if p.isdigit()]
        return "-".join(p.zfill(2) if i else p for i, p in enumerate(parts))
    if key in _SYMBOLS:
        return _SYMBOLS[key]
    if key in _TEXT_LAST and args:
        return _render(args[-1])
    if key == "Circa" and args:
        return "c. " + _render(args[0])
    if key == "Sortname" and len(args) >= 2:  # {{sortname|Ursula K.|Le Guin}}
        return f"{_render(args[0]).strip()} {_render(args[1]).strip()}"
    return ""  # citations, maintenance tags, anything else: not the field's text
