from engine import Recommender


def test_tiny_model_finds_cluster_neighbours(tiny_model_dir):
    rec = Recommender.load(tiny_model_dir)
    titles = [n.title for n in rec.similar("The Two Towers", 5)]
    tolkien = {"The Hobbit", "The Fellowship of the Ring", "The Return of the King",
               "The Silmarillion", "Unfinished Tales", "The Children of Húrin", "Beren and Lúthien"}
    assert len(set(titles) & tolkien) >= 4, titles
