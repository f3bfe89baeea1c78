"""wikishelf engine: the library behind the bot. No Discord, no asyncio.

Rooms by lifetime: `engine.build` (data, catalog, TensorFlow training, the 2-D layout),
`engine.serve` (the Recommender: titles, neighbours, picks; never TensorFlow), `engine.quality`
(splits, metrics, competing methods, reports) and `engine.pictures` (maps). `engine.model_dir`
is the one contract between build and serve; the import rules are in pyproject.toml.
"""

from engine.errors import ModelDirError, WikishelfError

__all__ = ["ModelDirError", "WikishelfError", "Recommender"]


def __getattr__(name):
    # Lazy so that `import engine` stays cheap for scripts that only need the catalog.
    if name == "Recommender":
        from engine.serve.recommender import Recommender

        return Recommender
    raise AttributeError(name)
