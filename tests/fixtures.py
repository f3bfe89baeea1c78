"""Small data written here in the article's formats, for fast tests that need no shared data.

Three clear interests (Middle-earth fantasy, Russian novels, evolutionary biology) plus some
noise, so a trained model has a right answer to find in seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

CLUSTERS = {
    "tolkien": {
        "author": "J. R. R. Tolkien",
        "links": ["J. R. R. Tolkien", "High fantasy", "Middle-earth", "George Allen & Unwin",
                  "United Kingdom", "Category:Middle-earth books", "Elves", "Christopher Tolkien"],
        "books": ["The Hobbit", "The Fellowship of the Ring", "The Two Towers",
                  "The Return of the King", "The Silmarillion", "Unfinished Tales",
                  "The Children of Húrin", "Beren and Lúthien"],
    },
    "russian": {
        "author": "Leo Tolstoy",
        "links": ["Leo Tolstoy", "Fyodor Dostoevsky", "Russian literature", "Russia",
                  "Realism (arts)", "Russian language", "Category:Russian novels",
                  "Saint Petersburg"],
        "books": ["War and Peace", "Anna Karenina", "Crime and Punishment", "Demons (Dostoevsky novel)",
                  "The Idiot", "Poor Folk", "The Brothers Karamazov", "Resurrection (novel)"],
    },
    "evolution": {
        "author": "Stephen Jay Gould",
        "links": ["Stephen Jay Gould", "Evolution", "Natural selection", "Paleontology",
                  "W. W. Norton & Company", "Charles Darwin", "Category:Books about evolution",
                  "Richard Dawkins"],
        "books": ["Bully for Brontosaurus", "Eight Little Piggies", "I Have Landed",
                  "An Urchin in the Storm", "Wonderful Life (book)", "Ever Since Darwin",
                  "The Selfish Gene", "The Blind Watchmaker"],
    },
}
NOISE_LINKS = ["Hardcover", "Paperback", "Wikipedia:WikiProject Books", "Category:English-language books",
               "ISBN"]


def article_rows() -> list[list]:
    """Rows of the article's ndjson: [title, infobox, wikilinks, external_links, edited, chars]."""
    rows = []
    for cluster in CLUSTERS.values():
        for i, title in enumerate(cluster["books"]):
            # Each book links to most of its cluster's pages (a rotating subset) and the noise.
            links = [link for j, link in enumerate(cluster["links"]) if (i + j) % 4 != 0]
            links += NOISE_LINKS
            author = cluster["author"] if i < 6 else "Someone Else"
            infobox = {"name": title, "author": author, "country": "United Kingdom",
                       "release_date": str(1900 + 7 * i)}
            rows.append([title, infobox, links, [], "2017-01-01T00:00:00Z", 1000 + i])
    return rows


def write_ndjson(path: Path, rows: list[list] | None = None, extra_lines: list[str] = ()) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in (rows or article_rows())]
    path.write_text("\n".join([*lines, *extra_lines]) + "\n", encoding="utf-8")
    return path


def write_book_info(path: Path, rows: list[tuple] | None = None) -> Path:
    header = "title\tauthor\tgenre\tpages\tlanguage\tcountry\tpublisher"
    default = [("Nightmares  &  Dreamscapes", "stephen king", "horror, science fiction", "816", "",
                "united states", "viking"),
               ("It (novel)", "stephen king", "horror", "1138", "english", "united states", "viking"),
               ("The Hobbit", "j. r. r. tolkien", "fantasy", "310", "english", "united kingdom",
                "george allen & unwin")]
    body = ["\t".join(r) for r in (rows or default)]
    path.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
    return path


def write_data_dir(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    write_ndjson(directory / "p15_books.ndjson")
    write_book_info(directory / "book_info.tsv")
    return directory
