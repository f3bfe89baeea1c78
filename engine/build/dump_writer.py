"""Dump files in the MediaWiki export schema (0.11), bz2 multistream as dumps.wikimedia.org
writes them: for synthetic dumps (the `wikipedia` benchmark) and the test fixtures.
"""

from __future__ import annotations

import bz2
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

EXPORT_NS = "http://www.mediawiki.org/xml/export-0.11/"
SHA1 = "phoiac9h4m842xq45sp7s6u21eteeq1"  # the dump's base-36 text hash; nothing reads it
# (title, namespace, wikitext, timestamp, redirect target or None)
Page = tuple[str, int, str, str, "str | None"]

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


def page_xml(page: Page, page_id: int) -> str:
    title, ns, text, timestamp, redirect = page
    redirect_xml = f"    <redirect title={quoteattr(redirect)} />\n" if redirect else ""
    size = len(text.encode())
    return f"""  <page>
    <title>{escape(title)}</title>
    <ns>{ns}</ns>
    <id>{page_id}</id>
{redirect_xml}    <revision>
      <id>{1_000_000 + page_id}</id>
      <parentid>{999_000 + page_id}</parentid>
      <timestamp>{timestamp}</timestamp>
      <contributor>
        <username>Example editor</username>
        <id>42</id>
      </contributor>
      <comment>copyedit</comment>
      <origin>{1_000_000 + page_id}</origin>
      <model>wikitext</model>
      <format>text/x-wiki</format>
      <text bytes="{size}" sha1="{SHA1}" xml:space="preserve">{escape(text)}</text>
      <sha1>{SHA1}</sha1>
    </revision>
  </page>
"""


def write_dump(path: Path, pages: Iterable[Page], per_stream: int = 100, first_id: int = 10,
               level: int = 9) -> Path:
    """A pages-articles-multistream file: the header stream, `per_stream` pages a stream, and
    the closing tag in a stream of its own. Written as it goes: any size fits in memory."""
    with open(path, "wb") as out:
        out.write(bz2.compress(SITEINFO.encode(), level))
        chunk: list[str] = []
        for page_id, page in enumerate(pages, first_id):
            chunk.append(page_xml(page, page_id))
            if len(chunk) == per_stream:
                out.write(bz2.compress("".join(chunk).encode(), level))
                chunk = []
        if chunk:
            out.write(bz2.compress("".join(chunk).encode(), level))
        out.write(bz2.compress(b"</mediawiki>\n", level))
    return path
