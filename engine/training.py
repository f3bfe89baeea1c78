"""Training the article's model: book and page embeddings, a normalised dot product, and a head
that tells real (book, page) pairs from random ones.

The Keras model is the article's. The loop is ours: numpy batches from `PairSampler`, drawn in a
background thread while the previous step runs; one XLA-compiled step traced once (every batch
has the same shape); sparse Adagrad updates that touch only the embedding rows in the batch
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

from engine.sampling import PairSampler, prefetched  # noqa: E402
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
    """One XLA-compiled training step with row-wise Adagrad.

    Embedding gradients stay IndexedSlices, so only the rows in the batch are read and written.
    Row-wise: one accumulator per embedding row (the mean squared gradient of the row) rather
    than one per weight, which halves the scattered memory traffic of the update; the small
    dense head keeps an accumulator per weight.
    """

    def __init__(self, model: keras.Model, classification: bool, learning_rate: float):
        tables = {id(layer.embeddings) for layer in model.layers
                  if isinstance(layer, layers.Embedding)}
        self.variables = [v.value for v in model.trainable_variables]
        self.accumulators = [
            tf.Variable(tf.fill([v.shape[0], 1] if id(v) in tables else v.shape, 0.1),
                        trainable=False)
            for v in model.trainable_variables]
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
                square = tf.reduce_mean(grad.values * grad.values, axis=1, keepdims=True)
                acc.scatter_add(tf.IndexedSlices(square, grad.indices))
                scaled = grad.values * tf.math.rsqrt(tf.gather(acc, grad.indices))
                var.scatter_sub(tf.IndexedSlices(self.lr * scaled, grad.indices))
            else:
                acc.assign_add(grad * grad)
                var.assign_sub(self.lr * grad * tf.math.rsqrt(acc))
        return loss / tf.cast(tf.size(labels), loss.dtype)


def pair_loss(model: keras.Model, books: np.ndarray, pages: np.ndarray, labels: np.ndarray,
              classification: bool = True) -> float:
    """Mean loss of a model on fixed pairs, computed in numpy from its weights, so the article's
    model and ours are judged by the same arithmetic (BCE on 1/0 or MSE on ±1)."""
    book_vecs = normalise_rows(model.get_layer("book_embedding").embeddings.numpy()[books])
    page_vecs = normalise_rows(model.get_layer("page_embedding").embeddings.numpy()[pages])
    cosine = np.einsum("ij,ij->i", book_vecs, page_vecs).astype(np.float64)
    if not classification:
        return float(np.mean((cosine - labels) ** 2))
    head = model.get_layer("head")
    logit = cosine * float(head.kernel.numpy().ravel()[0]) + float(head.bias.numpy().ravel()[0])
    # log(1 + e^-x) for label 1, log(1 + e^x) for label 0, without overflow.
    return float(np.mean(np.logaddexp(0.0, np.where(labels > 0.5, -logit, logit))))


def train(pairs: np.ndarray, n_books: int, n_pages: int, config: TrainConfig | None = None,
          progress: bool = True, log=print, on_epoch=None) -> TrainResult:
    """Train the article's model on (book, page) pairs. `on_epoch(epoch, model)` runs after each
    epoch; returning True stops training there (the benchmark uses it to evaluate)."""
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
        for books, pages, labels in prefetched(sampler.epoch(config.batch_positives)):
            total += float(stepper.step(books, pages, labels))
            batches += 1
            examples += len(labels)
        losses.append(total / max(batches, 1))
        bar.update(1)
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
        if on_epoch is not None and on_epoch(len(losses) - 1, model):
            break
        if len(losses) == 1 or losses[-1] < best * (1 - config.min_delta):
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
