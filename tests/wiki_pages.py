"""A small wiki written here, in the real formats: the same pages as a bz2 multistream dump
(MediaWiki export XML 0.11) and behind a fake Action API (tests/fake_api.py).

The books are the three clusters of tests/fixtures.py, written the way real articles are:
nested templates in the infobox, comments, refs, &nbsp;, {{Plainlist}}, files, categories,
interlanguage links; `Infobox novel` is a template redirect to `Infobox book`. Around them:
redirects (an alias, a section redirect, a character redirect), a draft, a talk page, a film,
a disambiguation page and plain articles.
"""

from __future__ import annotations

import bz2
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from tests.fixtures import CLUSTERS

EXPORT_NS = "http://www.mediawiki.org/xml/export-0.11/"
TIMESTAMP = "2024-05-01T12:00:00Z"
SHA1 = "phoiac9h4m842xq45sp7s6u21eteeq1"  # the dump's base-36 text hash; nothing reads it


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


# ---------------------------------------------------------------- the dump
SITEINFO = f"""<mediawiki xmlns="{EXPORT_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xsi:schemaLocation="{EXPORT_NS} http://www.mediawiki.org/xml/export-0.11.xsd" version="0.11" xml:lang="en">
  <siteinfo>
    <sitename>Wikipedia</sitename>
    <dbname>enwiki</dbname>
    <base>https://en.wikipedia.org/wiki/Main_Page</base>
    <generator>MediaWiki 1.43.0-wmf.3</generator>
    <case>first-letter</case>
    <namespaces>
      <namespace key="-2" case="first-letter">Media</namespace>
      <namespace key="0" case="first-letter" />
      <namespace key="1" case="first-letter">Talk</namespace>
      <namespace key="6" case="first-letter">File</namespace>
      <namespace key="10" case="first-letter">Template</namespace>
      <namespace key="14" case="first-letter">Category</namespace>
      <namespace key="118" case="first-letter">Draft</namespace>
    </namespaces>
  </siteinfo>
"""


def page_xml(page: WikiPage, page_id: int) -> str:
    redirect = page.redirect_target
    redirect_xml = f"    <redirect title={quoteattr(redirect)} />\n" if redirect else ""
    size = len(page.text.encode())
    return f"""  <page>
    <title>{escape(page.title)}</title>
    <ns>{page.ns}</ns>
    <id>{page_id}</id>
{redirect_xml}    <revision>
      <id>{1_000_000 + page_id}</id>
      <parentid>{999_000 + page_id}</parentid>
      <timestamp>{page.timestamp}</timestamp>
      <contributor>
        <username>Example editor</username>
        <id>42</id>
      </contributor>
      <comment>copyedit</comment>
      <origin>{1_000_000 + page_id}</origin>
      <model>wikitext</model>
      <format>text/x-wiki</format>
      <text bytes="{size}" sha1="{SHA1}" xml:space="preserve">{escape(page.text)}</text>
      <sha1>{SHA1}</sha1>
    </revision>
  </page>
"""


def write_dump(path: Path, pages: list[WikiPage] | None = None, per_stream: int = 5,
               first_id: int = 10) -> Path:
    """A pages-articles-multistream file: the header stream, `per_stream` pages a stream, and
    the closing tag in a stream of its own."""
    pages = all_pages() if pages is None else pages
    streams = [SITEINFO]
    for start in range(0, len(pages), per_stream):
        streams.append("".join(page_xml(p, first_id + start + k)
                               for k, p in enumerate(pages[start:start + per_stream])))
    streams.append("</mediawiki>\n")
    path.write_bytes(b"".join(bz2.compress(s.encode()) for s in streams))
    return path


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
