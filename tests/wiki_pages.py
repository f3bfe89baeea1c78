"""A small wiki written here, in the real formats: the same pages as a bz2 multistream dump
(MediaWiki export XML 0.11) and behind a fake Action API (tests/fake_api.py).

The books are the three clusters of tests/fixtures.py, written the way real articles are:
nested templates in the infobox, comments, refs, &nbsp;, {{Plainlist}}, files, categories,
interlanguage links; `Infobox novel` is a template redirect to `Infobox book`. Around them:
redirects (an alias, a section redirect, a character redirect), a draft, a talk page, a film,
a disambiguation page and plain articles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.build.dump_writer import write_dump as write_pages
from tests.fixtures import CLUSTERS

TIMESTAMP = "2024-05-01T12:00:00Z"


@dataclass(frozen=True)
class WikiPage:
    title: str
    ns: int
    text: str
    timestamp: str = TIMESTAMP

    @property
    def redirect_target(self) -> str | None:
        if not self.text.upper().startswith("#REDIRECT"):
            return None
        return self.text.split("[[", 1)[1].split("]]", 1)[0].split("#", 1)[0]


def book_text(title: str, author: str, links: list[str], i: int) -> str:
    infobox = "Infobox novel" if i % 2 else "Infobox book"
    plain = [link for link in links if not link.startswith("Category:")]
    link_text = " ".join(f"[[{link}]]" for link in links if not link.startswith("Category:"))
    categories = "\n".join(f"[[{link}]]" for link in links if link.startswith("Category:"))
    first, _, last = author.rpartition(" ")
    return f"""{{{{Short description|{i}th-century novel}}}}
{{{{Use dmy dates|date=March 2024}}}}
{{{{{infobox} <!-- See [[Wikipedia:WikiProject Novels]] -->
| name          = {title}
| image         = [[File:{title.replace(' ', '_')}_cover.jpg|200px]]
| caption       = First edition<ref>{{{{cite web |url=https://example.org/{i} |title=Cover}}}}</ref>
| author        = [[{author}|{first}&nbsp;{last}]]
| country       = {{{{flagicon|UK}}}} United Kingdom
| language      = English
| genre         = {{{{Plainlist|
* [[{plain[1]}]]
* ''[[{plain[2]}|{plain[2].lower()}]]''
}}}}
| publisher     = {{{{nowrap|[[George Allen & Unwin]]}}}}<br />Houghton Mifflin (US)
| pub_date      = {{{{Start date|{1900 + 7 * i}|9|21}}}}
| pages         = {300 + i} <!-- first edition -->
| series        = {{{{ubl|''{author} books''}}}}
| isbn          =
}}}}
'''''{title}''''' is a novel by [[{author}]]. See [[#Plot]] and [[{plain[0]}#Life|his life]].
{link_text}
[[File:Map_{i}.png|thumb|A map of [[{plain[-1]}]]]]
External: [https://example.com/{i} official site] and http://archive.example.org/{i}
== Plot ==
[[wikt:novel]] [[b:{title}]]
{{{{Reflist}}}}
{categories}
[[Category:{1900 + 7 * i} novels]]
[[fr:{title} (roman)]]
[[de:{title}]]
"""


def book_pages() -> list[WikiPage]:
    pages = []
    for cluster in CLUSTERS.values():
        for i, title in enumerate(cluster["books"]):
            links = [link for j, link in enumerate(cluster["links"]) if (i + j) % 4 != 0]
            pages.append(WikiPage(title, 0, book_text(title, cluster["author"], links, i)))
    return pages


OTHER_PAGES = [
    WikiPage("Template:Infobox book", 10, "{{Infobox\n| above = {{{name|}}}\n}}<noinclude>"
             "{{Documentation}}</noinclude>"),
    WikiPage("Template:Infobox novel", 10, "#REDIRECT [[Template:Infobox book]]\n\n"
             "{{Redirect category shell|{{R from move}}}}"),
    WikiPage("Template:Infobox film", 10, "{{Infobox\n| above = {{{name|}}}\n}}"),
    WikiPage("Template:Disambiguation", 10, "{{Dmbox}}"),
    WikiPage("Template:Dab", 10, "#REDIRECT [[Template:Disambiguation]]"),
    WikiPage("Hobbit", 0, "#REDIRECT [[The Hobbit]]\n{{R from short name}}"),
    WikiPage("There and Back Again", 0, "#REDIRECT [[The Hobbit]]\n\n"
             "{{Redirect category shell|\n{{R from alternative title}}\n}}"),
    WikiPage("War & Peace", 0, "#redirect [[War and Peace]]"),
    WikiPage("Bilbo's journey", 0, "#REDIRECT [[The Hobbit#Plot]]"),
    WikiPage("Prince Andrei", 0, "#REDIRECT [[War and Peace]] {{R from fictional character}}"),
    WikiPage("Middle Earth", 0, "#REDIRECT [[Middle-earth]]"),
    WikiPage("Middle-earth", 0, "'''Middle-earth''' is the setting of [[J. R. R. Tolkien]]'s "
             "{{Infobox fictional location|name=Middle-earth}} legendarium. [[The Hobbit]]"),
    WikiPage("The Hobbit (film series)", 0, "{{Infobox film\n| name = The Hobbit\n| director = "
             "[[Peter Jackson]]\n}}\nA film series of [[The Hobbit]]. [[Category:Films]]"),
    WikiPage("Resurrection (disambiguation)", 0, "'''Resurrection''' may refer to:\n"
             "* [[Resurrection (novel)]]\n{{Dab}}"),
    WikiPage("Demons", 0, "{{Infobox book|name=Demons}}\n'''Demons''' may mean "
             "[[Demons (Dostoevsky novel)]]\n{{Dab}}"),
    WikiPage("Draft:The Unwritten Tale", 118, "{{Infobox book\n| name = The Unwritten Tale\n"
             "| author = Nobody\n}}\nA draft about [[High fantasy]]."),
    WikiPage("Talk:The Hobbit", 1, "{{WikiProject Books}}\n{{Infobox book|name=The Hobbit}}"),
    WikiPage("Evolution", 0, "'''Evolution''' is change. [[Charles Darwin]] [[Natural selection]]"),
]


def all_pages() -> list[WikiPage]:
    # Book pages first, the template redirect last: a dump scatters Template pages, so the
    # reader must not need a template redirect before the pages that use it.
    pages = book_pages() + OTHER_PAGES
    return pages[:4] + pages[5:] + pages[4:5]


def write_dump(path: Path, pages: list[WikiPage] | None = None, per_stream: int = 5,
               first_id: int = 10) -> Path:
    pages = all_pages() if pages is None else pages
    return write_pages(path, [(p.title, p.ns, p.text, p.timestamp, p.redirect_target) for p in pages],
                       per_stream, first_id)


def write_partitions(directory: Path, pages: list[WikiPage] | None = None,
                     parts: int = 2) -> list[Path]:
    """The dump as numbered partitions, like enwiki-...-pages-articles-multistream1.xml-p1p41242.bz2."""
    pages = all_pages() if pages is None else pages
    size = -(-len(pages) // parts)
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for n in range(parts):
        chunk = pages[n * size:(n + 1) * size]
        first = 10 + n * size
        name = f"enwiki-20240501-pages-articles-multistream{n + 1}.xml-p{first}p{first + len(chunk)}.bz2"
        out.append(write_dump(directory / name, chunk, first_id=first))
    return out
