"""Pages out of a `pages-articles[-multistream]` .xml.bz2 dump, streamed: never unpacked to disk.

A multistream dump is many bz2 streams end to end (the site header, then 100 pages a stream);
a plain dump is one stream. Both read the same way, and each page carries the byte offset of
the stream it came from, so a second look at a few pages can seek straight to them.
"""

from __future__ import annotations

import bz2
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.errors import DataError

_CHUNK = 1 << 20


class DumpError(DataError):
    """A dump file that is not bz2, not the export XML, or cut short."""


@dataclass(frozen=True)
class DumpPage:
    title: str
    namespace: int
    text: str
    timestamp: str
    is_redirect: bool
    stream_offset: int  # where the bz2 stream holding it starts in the file


def stream_chunks(path: Path, start: int = 0, max_streams: int | None = None,
                  progress: Callable[[int], None] | None = None) -> Iterator[tuple[int, bytes]]:
    """(offset of the current stream, decompressed bytes) from `start` on."""
    with open(path, "rb") as fh:
        fh.seek(start)
        offset, pending, streams = start, b"", 0
        while max_streams is None or streams < max_streams:
            decompressor = bz2.BZ2Decompressor()
            data = pending or fh.read(_CHUNK)
            if not data:
                return
            if progress and not pending:
                progress(len(data))
            while True:
                try:
                    out = decompressor.decompress(data)
                except OSError as exc:
                    raise DumpError(f"{path}: not a bz2 dump or corrupt near byte {offset:,} "
                                    f"({exc})") from None
                if out:
                    yield offset, out
                if decompressor.eof:
                    pending = decompressor.unused_data
                    fh_pos = fh.tell() - len(pending)
                    offset, streams = fh_pos, streams + 1
                    break
                data = fh.read(_CHUNK)
                if not data:
                    raise DumpError(f"{path}: truncated (the bz2 stream starting at byte "
                                    f"{offset:,} ends early); download the file again")
                if progress:
                    progress(len(data))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _page(elem: ET.Element, offset: int) -> DumpPage:
    fields = {"title": "", "ns": "0", "timestamp": "", "text": ""}
    redirect = False
    for child in elem:
        name = _local(child.tag)
        if name == "redirect":
            redirect = True
        elif name == "revision":
            for part in child:
                if _local(part.tag) in ("timestamp", "text"):
                    fields[_local(part.tag)] = part.text or ""
        elif name in fields:
            fields[name] = child.text or ""
    return DumpPage(fields["title"], int(fields["ns"] or 0), fields["text"], fields["timestamp"],
                    redirect, offset)


def pages(path: Path, start: int = 0, max_streams: int | None = None,
          progress: Callable[[int], None] | None = None) -> Iterator[DumpPage]:
    """Every <page> of the dump from `start` (a stream's offset) on."""
    parser = ET.XMLPullParser(events=("start", "end"))
    if start:  # a stream from the middle: the pages without the enclosing <mediawiki>
        parser.feed(b"<mediawiki>")
    root = None
    try:
        for offset, data in stream_chunks(path, start, max_streams, progress):
            parser.feed(data)
            for event, elem in parser.read_events():
                if event == "start":
                    root = elem if root is None else root
                elif _local(elem.tag) == "page":
                    yield _page(elem, offset)
                    root.clear()  # keep memory flat: drop the pages already read
        if start:
            parser.feed(b"</mediawiki>")
        parser.close()
        for event, elem in parser.read_events():
            if event == "end" and _local(elem.tag) == "page":
                yield _page(elem, offset)
    except ET.ParseError as exc:
        raise DumpError(f"{path}: not a MediaWiki XML export, or cut short ({exc})") from None
