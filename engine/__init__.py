"""wikishelf engine: data sources, catalog, training, Annoy indexes and the recommender facade.

Nothing here imports Discord or asyncio; only `engine.build.training` imports TensorFlow.
"""

from engine.errors import ModelDirError, WikishelfError

__all__ = ["ModelDirError", "WikishelfError", "Recommender"]


def __getattr__(name):
    # Lazy so that `import engine` stays cheap for scripts that only need the catalog.
    if name == "Recommender":
        from engine.serve.recommender import Recommender

        return Recommender
    raise AttributeError(name)
