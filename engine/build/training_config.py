"""Training parameters and the named recipes a build chooses from, importable without
TensorFlow."""

from dataclasses import asdict, dataclass, replace


@dataclass
class TrainConfig:
    dim: int = 64  # 50 -> 64: +0.5 point recall@10 at the same build time (EVALUATION.md)
    epochs: int = 40  # idf-weighted positives keep improving past 15 epochs
    # The most positive draws (epochs x pairs) a training makes: a large dense catalog stops
    # sooner (epochs_for), on the plateau its held-out quality reaches by then (EVALUATION.md,
    # "The build budget"); the shared and p15 catalogs stay far below it and run `epochs`.
    positive_budget: int = 18_000_000  # the fresh catalog's 1.2 M pairs: 15 epochs
    batch_positives: int = 2048  # x (1 + negative_ratio) examples a step; measured fastest here
    negative_ratio: int = 10  # 5 -> 10: +1 point same-author, +1 leave-one-out (EVALUATION.md)
    classification: bool = True  # sigmoid + BCE on 1/0; False: the article's MSE on ±1
    learning_rate: float = 0.3  # row-wise Adagrad; 0.2 -> 0.3 with the recipe below: +1 point loo
    # Negative pages drawn by frequency ** page_power (0: uniform, the article's): 0.5 makes hub
    # pages (countries, "novel") real negatives, like IDF; chosen in EVALUATION.md.
    page_power: float = 0.5
    # Positive pairs drawn by idf(page) ** positive_power (0: each pair once an epoch, the
    # article's): rare, telling pages count more than hubs.
    positive_power: float = 1.5  # chosen in EVALUATION.md
    # Negatives keep the positive's book and draw only the page (word2vec); False: both random.
    same_book_negatives: bool = True  # +1 point leave-one-out (EVALUATION.md)
    # After training, each book vector += page_mix x the unit idf(page)**page_mix_power-weighted
    # mean of its pages' vectors (0: off, the shipped recipe on the thin offline catalog). Pulls
    # books that share rare pages together; chosen for full-link data (FULL_LINKS below).
    page_mix: float = 0.0
    page_mix_power: float = 3.0
    # After the mix: subtract the linked books' mean vector and project out their top
    # `drop_directions` principal directions (0 and False: off). The direction every book shares
    # keeps cosines flat (most neighbours 0.6-0.9), so a read's far neighbours vote almost as much
    # as its near ones; chosen for full-link data (EVALUATION.md).
    centre: bool = False
    drop_directions: int = 0
    patience: int = 2  # epochs without a relative loss improvement of min_delta
    min_delta: float = 1e-3
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


# Measured on a planted-topic graph of the fresh catalog's size and density (50,000 books, 24
# links a book, 15 a page): held-out quality is flat from 15 epochs on (EVALUATION.md), so the
# budget never cuts below that.
PLATEAU_EPOCHS = 15


def epochs_for(config: TrainConfig, n_pairs: int) -> int:
    """Epochs a training of `n_pairs` pairs runs at most: `epochs`, or fewer where that would
    pass `positive_budget`, but never fewer than PLATEAU_EPOCHS (nor more than `epochs`)."""
    within_budget = config.positive_budget // max(n_pairs, 1)
    return min(config.epochs, max(PLATEAU_EPOCHS, within_budget))


# ---------------------------------------------------------------- recipes
# The one home of the recipe numbers; the measurements behind them are in EVALUATION.md
# ("Full-link data: the rich recipe"). A build picks FULL_LINKS when its catalog is a fetched
# full-link folder or has at least FULL_LINK_MIN_MEAN_LINKS links per linked book (the shared
# 2018 catalog has 3.1, the 1,411 full-link books of p15_books.ndjson 10.6).
THIN_LINKS = "thin-links"
FULL_LINKS = "full-links"
FULL_LINK_MIN_MEAN_LINKS = 6.0
RECIPES: dict[str, dict] = {
    THIN_LINKS: {},  # TrainConfig's defaults, tuned on the shared catalog
    FULL_LINKS: {"page_mix": 32.0, "page_mix_power": 2.0, "centre": True, "drop_directions": 1},
}
# Item-kNN page scoring (evaluation) per recipe: (neighbours, alpha); see engine.quality.methods.
RECIPE_KNN: dict[str, tuple[int, float]] = {THIN_LINKS: (100, 12.0), FULL_LINKS: (100, 4.0)}


def choose_recipe(mean_links_per_book: float, fetched: bool = False) -> tuple[str, str]:
    """(recipe name, the reason, for the manifest) for a catalog of this link density."""
    if fetched:
        return FULL_LINKS, "a folder fetched from Wikipedia (full wikilinks)"
    if mean_links_per_book >= FULL_LINK_MIN_MEAN_LINKS:
        return FULL_LINKS, (f"{mean_links_per_book:.1f} links per linked book "
                            f">= {FULL_LINK_MIN_MEAN_LINKS:g}")
    return THIN_LINKS, (f"{mean_links_per_book:.1f} links per linked book "
                        f"< {FULL_LINK_MIN_MEAN_LINKS:g}")


def recipe_config(name: str, **overrides) -> TrainConfig:
    """The TrainConfig of a named recipe, with explicit overrides (command-line flags) on top."""
    return replace(TrainConfig(**RECIPES[name]), **overrides)


def recipe_of(config: TrainConfig) -> str:
    """The recipe a config belongs to, for choices made outside training (kNN scoring)."""
    return FULL_LINKS if config.page_mix else THIN_LINKS
