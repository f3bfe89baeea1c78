"""`draw_neighbourhood`: the picture the bot sends for `map <title>`."""

import shutil
import threading

import numpy as np
import pytest

from engine import Recommender
from engine.errors import WikishelfError
from engine.model_dir import BOOK_MAP, open_model
from engine.pictures.neighbourhood import BOOK_COLOUR, NEIGHBOUR_COLOUR, draw_neighbourhood
from tests.image_checks import colours_present, read_png


@pytest.fixture(scope="module")
def rec(tiny_model_dir):
    return Recommender.load(tiny_model_dir)


def test_draws_the_book_and_its_neighbours(rec, tmp_path):
    out = draw_neighbourhood(rec, "The Fellowship of the Ring", tmp_path / "sub" / "map.png", k=5)
    assert out == tmp_path / "sub" / "map.png"
    image = read_png(out)
    assert image.shape[0] >= 400 and image.shape[1] >= 1000
    assert 20_000 < out.stat().st_size < 400_000
    # the book (red), its neighbours (blue) and the grey map behind them
    assert colours_present(image, [BOOK_COLOUR, NEIGHBOUR_COLOUR, "#c8c8c8"]) == [
        BOOK_COLOUR, NEIGHBOUR_COLOUR, "#c8c8c8"]
    assert not list(out.parent.glob(".*.tmp"))


def test_a_typed_title_is_resolved(rec, tmp_path):
    assert draw_neighbourhood(rec, "fellowship of the ring", tmp_path / "m.png").is_file()


@pytest.mark.parametrize("title, k, message", [
    ("War and Peace", 0, "k must be"),
    ("War and Peace", 500, "k must be"),
    ("qzxv wqpf", 10, "No book matches"),
])
def test_bad_requests_raise_a_clear_error_and_write_nothing(rec, tmp_path, title, k, message):
    with pytest.raises(WikishelfError, match=message):
        draw_neighbourhood(rec, title, tmp_path / "m.png", k)
    assert not list(tmp_path.iterdir())


def test_a_model_without_map_coordinates_says_how_to_fix_it(tiny_model_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    (copy / BOOK_MAP).unlink()
    rec = Recommender.load(copy)  # the rest of the model still serves
    with pytest.raises(WikishelfError, match="no map coordinates.*build_model.py"):
        draw_neighbourhood(rec, "War and Peace", tmp_path / "m.png")
    np.save(copy / BOOK_MAP, np.zeros((3, 2), dtype=np.float32))
    with pytest.raises(WikishelfError, match="stale"):
        draw_neighbourhood(rec, "War and Peace", tmp_path / "m.png")


def test_a_book_off_the_map_is_refused(tiny_model_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    rec = Recommender.load(copy)
    xy = open_model(copy).book_map()
    xy[rec.book_id("Anna Karenina")] = np.nan  # as for a book without links
    np.save(copy / BOOK_MAP, xy)
    with pytest.raises(WikishelfError, match="no place on the map"):
        draw_neighbourhood(rec, "Anna Karenina", tmp_path / "m.png")


def test_concurrent_draws_of_one_book_leave_a_whole_png(rec, tmp_path):
    out = tmp_path / "same.png"
    errors = []

    def draw():
        try:
            draw_neighbourhood(rec, "War and Peace", out)
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=draw) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    read_png(out)
    assert [p.name for p in tmp_path.iterdir()] == ["same.png"]


def test_war_and_peace_on_the_shared_model_shows_the_book_and_its_neighbours(real, tmp_path):
    # How long a draw takes is measured by scripts/bench.py (serving: map_draw).
    image = read_png(draw_neighbourhood(real, "War and Peace", tmp_path / "wp.png"))
    assert colours_present(image, [BOOK_COLOUR, NEIGHBOUR_COLOUR]) == [BOOK_COLOUR,
                                                                         NEIGHBOUR_COLOUR]
