"""The two recipe options the evaluation chose: positives drawn by page IDF, and negatives that
keep the positive's book. Their defaults leave the article's sampling unchanged."""

import numpy as np

from engine.build.sampling import PairSampler


def hub_and_rare_graph(n_books=200):
    """Every book links to the hub page 0; books 0-9 also link to the rare page 1."""
    pairs = [(b, 0) for b in range(n_books)] + [(b, 1) for b in range(10)]
    pairs += [(b, 2 + b % 5) for b in range(n_books)]  # some mid-frequency pages
    return np.array(sorted(pairs), dtype=np.int64), n_books, 7


def drawn_positives(sampler, epochs=20, size=64):
    out = []
    for _ in range(epochs):
        for books, pages, labels in sampler.epoch(size):
            out.append(np.stack([books[labels == 1], pages[labels == 1]], 1))
    return np.concatenate(out)


def test_idf_weighted_positives_favour_rare_pages_in_proportion():
    pairs, n_books, n_pages = hub_and_rare_graph()
    sampler = PairSampler(pairs, n_books, n_pages, negative_ratio=1, positive_power=1.0, seed=0)
    drawn = drawn_positives(sampler)
    per_pair_hub = np.mean(drawn[:, 1] == 0) / 200  # 200 hub pairs
    per_pair_rare = np.mean(drawn[:, 1] == 1) / 10  # 10 rare pairs (page 1: 10 books)
    per_pair_mid = np.mean(drawn[:, 1] >= 2) / 200  # 200 pairs on pages of 40 books each
    # The hub's idf is ~0 (every book links to it): it is almost never drawn.
    assert per_pair_rare > 100 * per_pair_hub
    # idf ratio rare / mid = ln(200/10) / ln(200/40) = 1.86
    assert 1.6 < per_pair_rare / per_pair_mid < 2.15

def test_default_still_draws_every_positive_once_an_epoch():
    pairs, n_books, n_pages = hub_and_rare_graph()
    sampler = PairSampler(pairs, n_books, n_pages, negative_ratio=1, seed=0)
    drawn = drawn_positives(sampler, epochs=1, size=len(pairs))
    assert sorted(map(tuple, drawn.tolist())) == sorted(map(tuple, pairs.tolist()))


def test_same_book_negatives_keep_the_book_and_are_never_true_pairs():
    pairs, n_books, n_pages = hub_and_rare_graph(60)
    sampler = PairSampler(pairs, n_books, n_pages, negative_ratio=3, same_book_negatives=True,
                          seed=1)
    true = {tuple(p) for p in pairs.tolist()}
    for books, pages, labels in sampler.epoch(32):
        positives, negatives = books[labels == 1], books[labels == 0]
        assert np.array_equal(negatives, np.repeat(positives, 3))
        assert not any((b, p) in true for b, p in zip(negatives.tolist(),
                                                      pages[labels == 0].tolist(), strict=True))


def test_same_book_negatives_fall_back_when_a_book_links_to_almost_everything():
    # Book 0 links to every page but one: its negatives must still be true negatives.
    pairs = np.array([(0, p) for p in range(9)] + [(1, 0), (2, 1)], dtype=np.int64)
    sampler = PairSampler(pairs, 3, 10, negative_ratio=4, same_book_negatives=True, seed=2)
    true = {tuple(p) for p in pairs.tolist()}
    for books, pages, labels in sampler.epoch(4):
        for b, p in zip(books[labels == 0].tolist(), pages[labels == 0].tolist(), strict=True):
            assert (b, p) not in true
