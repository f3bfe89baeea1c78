"""Training the article's model: book and page embeddings, a normalised dot product, and a head
that tells real (book, page) pairs from random ones.

The Keras model is the article's. The loop is ours: numpy batches from `PairSampler`, one
XLA-compiled step, and sparse Adagrad updates that touch only the embedding rows in the batch
(a dense optimizer would rewrite all ~4 M parameters every step).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

from engine.sampling import PairSampler  # noqa: E402
from engine.training_config import TrainConfig  # noqa: E402


@dataclass
class TrainResult:
    book_vectors: np.ndarray  # L2-normalised float32
    page_vectors: np.ndarray
    losses: list[float]
    examples: int
    seconds: float
    head_weight: float  # sign tells whether higher cosine means "more likely linked"

    @property
    def examples_per_second(self) -> float:
        return self.examples / self.seconds if self.seconds else 0.0


def build_model(n_books: int, n_pages: int, dim: int = 50, classification: bool = True) -> keras.Model:
    """The article's architecture: Embedding(dim) for books and for pages, Dot(normalize=True),
    then a sigmoid Dense(1) for classification or the raw cosine for regression."""
    book = keras.Input(shape=(), dtype="int32", name="book")
    page = keras.Input(shape=(), dtype="int32", name="page")
    book_vec = layers.Embedding(n_books, dim, name="book_embedding")(book)
    page_vec = layers.Embedding(n_pages, dim, name="page_embedding")(page)
    score = layers.Dot(axes=1, normalize=True, name="dot_product")([book_vec, page_vec])
    if classification:
        score = layers.Dense(1, activation="sigmoid", name="head")(score)
    return keras.Model([book, page], score, name="book_page_embedding")


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


class SparseAdagradStep:
    """One compiled training step with Adagrad; embedding gradients stay IndexedSlices."""

    def __init__(self, model: keras.Model, classification: bool, learning_rate: float):
        self.variables = [v.value for v in model.trainable_variables]
        self.accumulators = [tf.Variable(tf.fill(v.shape, 0.1), trainable=False)
                             for v in self.variables]
        self.model = model
        self.lr = learning_rate
        # Summed, not averaged: each row's gradient keeps its size whatever the batch size,
        # which is what a per-row optimizer like Adagrad expects.
        self.loss_fn = (keras.losses.BinaryCrossentropy(reduction="sum") if classification
                        else keras.losses.MeanSquaredError(reduction="sum"))
        self.step = tf.function(self._step, jit_compile=True, reduce_retracing=True)

    def _step(self, books, pages, labels):
        with tf.GradientTape() as tape:
            # Shape (n, 1): Keras losses average over the last axis before reducing the batch.
            predictions = tf.reshape(self.model([books, pages], training=True), [-1, 1])
            loss = self.loss_fn(tf.reshape(labels, [-1, 1]), predictions)
        grads = tape.gradient(loss, self.variables)
        for var, acc, grad in zip(self.variables, self.accumulators, grads, strict=True):
            if isinstance(grad, tf.IndexedSlices):
                acc.scatter_add(tf.IndexedSlices(grad.values * grad.values, grad.indices))
                scaled = grad.values * tf.math.rsqrt(tf.gather(acc, grad.indices))
                var.scatter_sub(tf.IndexedSlices(self.lr * scaled, grad.indices))
            else:
                acc.assign_add(grad * grad)
                var.assign_sub(self.lr * grad * tf.math.rsqrt(acc))
        return loss / tf.cast(tf.size(labels), loss.dtype)


def train(pairs: np.ndarray, n_books: int, n_pages: int, config: TrainConfig | None = None,
          progress: bool = True, log=print) -> TrainResult:
    config = config or TrainConfig()
    keras.utils.set_random_seed(config.seed)
    model = build_model(n_books, n_pages, config.dim, config.classification)
    sampler = PairSampler(pairs, n_books, n_pages, config.negative_ratio, config.classification,
                          config.page_power, config.seed)
    stepper = SparseAdagradStep(model, config.classification, config.learning_rate)
    losses: list[float] = []
    examples, best, stale = 0, np.inf, 0
    started = time.perf_counter()
    bar = _progress_bar(config.epochs, progress)
    for _epoch in range(config.epochs):
        total, batches = 0.0, 0
        for books, pages, labels in sampler.epoch(config.batch_positives):
            total += float(stepper.step(books, pages, labels))
            batches += 1
            examples += len(labels)
        losses.append(total / max(batches, 1))
        bar.update(1)
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
        if losses[-1] < best * (1 - config.min_delta):
            best, stale = losses[-1], 0
        else:
            stale += 1
            if stale >= config.patience:
                log(f"loss plateaued after {len(losses)} epochs")
                break
    bar.close()
    seconds = time.perf_counter() - started
    head_weight = 1.0
    if config.classification:
        head_weight = float(model.get_layer("head").kernel.numpy().ravel()[0])
    page_vectors = normalise_rows(model.get_layer("page_embedding").embeddings.numpy())
    if head_weight < 0:
        # The head learned "lower cosine = linked": flip the pages so book·page always ranks
        # likely links first. Page-to-page and book-to-book cosines are unchanged.
        page_vectors = -page_vectors
    return TrainResult(
        book_vectors=normalise_rows(model.get_layer("book_embedding").embeddings.numpy()),
        page_vectors=page_vectors,
        losses=losses, examples=examples, seconds=seconds, head_weight=head_weight)


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="training", unit="epoch", disable=not enabled, leave=False)
