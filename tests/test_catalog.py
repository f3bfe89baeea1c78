"""The cleaning rules and the catalog's integer indices."""

from collections import Counter

import numpy as np

from engine.build.catalog import DROPPED_LINKS, Catalog, build_catalog, catalog_from_data_dir
from engine.build.sources import BookRecord
from engine.model_dir import open_model


def records():
    return [
        BookRecord("Book A", ["Fantasy", "fantasy", "Hardcover", "Paperback",
                              "Wikipedia:WikiProject Books", "wikipedia:wikiproject novels",
                              "Rare_Page", "Book A", "  Dragons  "], {"author": "someone"}),
        BookRecord("Book B", ["FANTASY", "Dragons", "Rare page"], {"genre": "Fantasy"}),
        BookRecord("Book C", ["Fantasy", "Only Here"], {}),
        BookRecord("Book A", ["Extra From Second Source"], {"author": "ignored, first wins"}),
    ]


def test_links_are_lowercased_deduplicated_and_the_article_drops_applied():
    catalog = build_catalog(records(), min_link_count=1)
    links = {catalog.books[b]: set() for b in range(catalog.n_books)}
    for b, p in catalog.pairs:
        links[catalog.books[b]].add(catalog.pages[p])
    assert links["Book A"] == {"fantasy", "rare page", "dragons", "extra from second source"}
    assert not DROPPED_LINKS & set(catalog.pages)
    assert "book a" not in catalog.pages  # a book's link to itself says nothing
    assert catalog.meta[catalog.books.index("Book A")]["author"] == "Someone"


def test_minimum_link_count_drops_rare_pages():
    catalog = build_catalog(records(), min_link_count=2)
    assert catalog.pages == ["dragons", "fantasy", "rare page"]
    assert catalog.stats["min_link_count"] == 2
    assert build_catalog(records(), min_link_count=3).pages == ["fantasy"]


def test_indices_are_sorted_unique_and_deterministic():
    a = build_catalog(records(), min_link_count=1)
    b = build_catalog(list(reversed(records()[:3])) + records()[3:], min_link_count=1)
    assert a.books == sorted(a.books) and a.pages == sorted(a.pages)
    assert a.pairs.dtype == np.int32
    assert len(np.unique(a.pairs, axis=0)) == len(a.pairs)
    assert np.array_equal(a.pairs, np.array(sorted(map(tuple, a.pairs.tolist()))))
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != build_catalog(records(), min_link_count=2).fingerprint()


def test_books_without_kept_links_stay_in_the_catalog():
    catalog = build_catalog(records(), min_link_count=3)
    assert catalog.n_books == 3 and catalog.stats["books_without_links"] == 0
    catalog = build_catalog(records() + [BookRecord("Lonely", ["nowhere"], {})], min_link_count=2)
    assert "Lonely" in catalog.books and catalog.stats["books_without_links"] == 1
    assert catalog.book_degrees()[catalog.books.index("Lonely")] == 0


def test_a_model_directory_gives_back_the_catalog_it_was_built_from(tiny_data_dir,
                                                                     tiny_model_dir):
    built = catalog_from_data_dir(tiny_data_dir, min_link_count=2)
    loaded = Catalog.from_model(open_model(tiny_model_dir))
    assert loaded.books == built.books and loaded.pages == built.pages
    assert np.array_equal(loaded.pairs, built.pairs) and loaded.meta == built.meta
    assert loaded.fingerprint() == built.fingerprint()


def test_data_dir_merges_the_article_file_with_the_infobox_table(tiny_data_dir):
    catalog = catalog_from_data_dir(tiny_data_dir, min_link_count=2)
    stats = Counter(catalog.stats)
    assert stats["ndjson_books"] == 24 and stats["book_info_books"] == 3
    assert catalog.n_books == 26  # The Hobbit is in both sources
    assert "Nightmares & Dreamscapes" in catalog.books  # doubled spaces cleaned
    hobbit = catalog.books.index("The Hobbit")
    assert catalog.meta[hobbit]["author"] == "J. R. R. Tolkien"  # the article file's case wins
    assert {"hardcover", "paperback", "wikipedia:wikiproject books"}.isdisjoint(catalog.pages)
