"""Pictures of a model: maps by genre and by country, chosen books with their neighbours, a map
of the linked pages, and a TensorFlow Projector export.

    python scripts/visualize.py [--model models/default] [--out maps] [--books "War and Peace" ...]
                                [--no-projector]

Also installed as `wikishelf-visualize`; the logic lives in engine.pictures.atlas.
"""

from engine.pictures.atlas import main

if __name__ == "__main__":
    raise SystemExit(main())
