"""The facade: similar books, similar pages, books about a page, and its answers to bad input."""

import numpy as np
import pytest

from engine.serve.recommender import UnknownPage, UnknownTitle
from engine.serve.titles import Resolution
from tests.conftest import requires_shared_data
from tests.fixtures import CLUSTERS

TOLKIEN = set(CLUSTERS["tolkien"]["books"])


def test_similar_excludes_the_book_and_ranks_its_cluster_first(tiny):
    hits = tiny.similar("The Two Towers", 6)
    titles = [h.title for h in hits]
    assert "The Two Towers" not in titles and len(titles) == 6
    assert len(set(titles[:5]) & TOLKIEN) >= 4
    sims = [h.similarity for h in hits]
    assert all(-1 <= s <= 1 for s in sims)  # the order (cosine + evidence): tests/test_evidence.py
    nearest = tiny.nearest("The Two Towers", 25)
    assert [n.similarity for n in nearest] == sorted((n.similarity for n in nearest), reverse=True)
    assert hits[0].meta["url"].startswith("https://en.wikipedia.org/wiki/")


def test_similar_accepts_typed_text_and_rejects_unknown_titles(tiny):
    assert tiny.similar("the two towers", 3) == tiny.similar("The Two Towers", 3)
    with pytest.raises(UnknownTitle) as caught:
        tiny.similar("Zzqx Unheard Of Volume", 3)
    assert isinstance(caught.value.resolution, Resolution)
    assert not caught.value.resolution.found


def test_k_is_clamped(tiny):
    assert tiny.similar("The Hobbit", 0) == []
    assert tiny.similar("The Hobbit", -4) == []
    assert len(tiny.nearest("The Hobbit", 10**9)) == int(tiny.has_links.sum()) - 1
    assert 0 < len(tiny.similar("The Hobbit", 10**9)) < int(tiny.has_links.sum()) - 1


def test_similar_pages_and_books_about_a_page(tiny):
    pages = tiny.similar_pages("Middle-earth", 5)
    names = [p for p, _ in pages]
    assert "middle-earth" not in names and len(names) == 5
    assert {"elves", "high fantasy", "category:middle-earth books"} & set(names)
    assert tiny.similar_pages("middle earth", 5) == pages  # a small typo still finds the page
    books = [b.title for b in tiny.books_about("middle-earth", 6)]
    assert len(set(books) & TOLKIEN) >= 5
    with pytest.raises(UnknownPage):
        tiny.books_about("quantum chromodynamics", 5)
    with pytest.raises(UnknownPage):
        tiny.similar_pages("", 5)


@requires_shared_data
def test_real_model_similar_skips_untrained_books(real):
    untrained = np.flatnonzero(~real.has_links)
    assert len(untrained) > 0
    assert real.similar(real.titles[untrained[0]], 5) == []
    for title in ("The Hobbit", "War and Peace", "The Selfish Gene"):
        for hits, full in ((real.nearest(title, 20), True), (real.similar(title, 20), False)):
            ids = [real.title_to_id[h.title] for h in hits]
            assert (len(hits) == 20 if full else 0 < len(hits) <= 20)
            assert title not in {h.title for h in hits} and real.has_links[ids].all()


@requires_shared_data
def test_real_model_answers_the_articles_questions(real):
    hobbit = {h.title for h in real.similar("The Hobbit", 10)}
    tolkien = {t for t, m in zip(real.titles, real.meta, strict=True)
               if "tolkien" in m.get("author", "").lower()}
    assert len(hobbit & tolkien) >= 3, hobbit
    pages = real.similar_pages("steven pinker", 10)
    assert len(pages) == 10 and "steven pinker" not in [p for p, _ in pages]
    # books_about ranks by book . page: the books that really link the page come first.
    about = [b.title for b in real.books_about("j. r. r. tolkien", 10)]
    assert len(set(about) & tolkien) >= 5, about


def test_books_about_puts_books_that_link_the_page_first(real):
    page = "stephen jay gould"
    pid = real.page_id(page)
    linkers = {real.titles[b] for b in real.evidence.books_of(pid)}
    answer = [n.title for n in real.books_about(page, len(linkers) + 5)]
    assert len(linkers) >= 3 and set(answer[:len(linkers)]) == linkers


def test_warm_builds_the_lazy_indexes_and_freezes_them_out_of_the_collector(tiny_model_dir):
    import gc

    from engine.serve.recommender import Recommender

    rec = Recommender.load(tiny_model_dir)
    assert "evidence" not in rec.__dict__ and "vocab" not in rec.resolver.__dict__
    frozen_before = gc.get_freeze_count()
    try:
        rec.warm()
        assert "evidence" in rec.__dict__ and "vocab" in rec.resolver.__dict__
        assert gc.get_freeze_count() > frozen_before
    finally:
        gc.unfreeze()  # give the test process's objects back to the collector
