"""The article's training loop, re-implemented faithfully as the benchmark's yardstick.

"Building a Recommendation System Using Neural Network Embeddings" (Will Koehrsen) trains with a
pure-Python generator: `random.sample` of `n_positive` true pairs, then random (book, link)
pairs checked one by one against a `set` of true pairs until the batch holds `negative_ratio`
negatives per positive, shuffled, fed to `model.fit`; Adam with Keras defaults. Only the
Keras 3 spellings differ (`fit` for `fit_generator`, 1-D inputs for `shape=[1]` + `Reshape`).
Never used to build a model: it exists to be measured against `engine.build.training`.
"""

from __future__ import annotations

import random
import time

import engine.build.quiet_tf  # noqa: F401  (before TensorFlow: its start-up log lines go)

# isort: split
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

N_POSITIVE = 512
NEGATIVE_RATIO = 5


def article_generator(pairs: list[tuple[int, int]], n_books: int, n_pages: int,
                      n_positive: int = N_POSITIVE, negative_ratio: int = NEGATIVE_RATIO,
                      classification: bool = True):
    """The article's `generate_batch`, line for line in spirit."""
    pairs_set = set(pairs)
    batch_size = n_positive * (1 + negative_ratio)
    batch = np.zeros((batch_size, 3))
    neg_label = 0 if classification else -1
    while True:
        for idx, (book_id, link_id) in enumerate(random.sample(pairs, n_positive)):
            batch[idx, :] = (book_id, link_id, 1)
        idx += 1
        while idx < batch_size:
            random_book = random.randrange(n_books)
            random_link = random.randrange(n_pages)
            if (random_book, random_link) not in pairs_set:
                batch[idx, :] = (random_book, random_link, neg_label)
                idx += 1
        np.random.shuffle(batch)
        # Copies: Keras may hold a batch while the next one is written into the same array.
        yield {"book": batch[:, 0].copy(), "link": batch[:, 1].copy()}, batch[:, 2].copy()


def article_model(n_books: int, n_pages: int, dim: int = 50, classification: bool = True):
    book = keras.Input(shape=(), name="book")
    link = keras.Input(shape=(), name="link")
    book_vec = layers.Embedding(n_books, dim, name="book_embedding")(book)
    link_vec = layers.Embedding(n_pages, dim, name="page_embedding")(link)
    merged = layers.Dot(axes=1, normalize=True, name="dot_product")([book_vec, link_vec])
    if classification:
        merged = layers.Dense(1, activation="sigmoid", name="head")(merged)
        model = keras.Model([book, link], merged)
        model.compile(optimizer="adam", loss="binary_crossentropy")
    else:
        model = keras.Model([book, link], merged)
        model.compile(optimizer="adam", loss="mse")
    return model


class _EpochHook(keras.callbacks.Callback):
    def __init__(self, on_epoch):
        super().__init__()
        self.on_epoch = on_epoch

    def on_epoch_end(self, epoch, logs=None):
        self.on_epoch(epoch, self.model)


def train_article_loop(pairs: np.ndarray, n_books: int, n_pages: int, epochs: int,
                       classification: bool = True, seed: int = 0, on_epoch=None,
                       n_positive: int = N_POSITIVE) -> dict:
    """Train the article's way for `epochs` epochs of len(pairs) // n_positive steps each.
    `on_epoch(epoch, model)` runs after each epoch (the benchmark evaluates there)."""
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    pair_list = [(int(b), int(p)) for b, p in pairs]
    started = time.perf_counter()
    model = article_model(n_books, n_pages, classification=classification)
    generator = article_generator(pair_list, n_books, n_pages, n_positive,
                                  classification=classification)
    steps = max(len(pair_list) // n_positive, 1)
    callbacks = [_EpochHook(on_epoch)] if on_epoch else []
    history = model.fit(generator, epochs=epochs, steps_per_epoch=steps, verbose=0, shuffle=False,
                        callbacks=callbacks)
    return {"model": model, "losses": history.history["loss"],
            "examples": epochs * steps * n_positive * (1 + NEGATIVE_RATIO),
            "seconds": time.perf_counter() - started}
