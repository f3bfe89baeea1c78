"""scripts/visualize.py end to end: every picture written, readable, in several colours."""

import pytest

from engine.pictures.atlas import PALETTE, main, slug
from tests.image_checks import colours_present, read_png

PICTURES = ("books_by_genre.png", "books_by_country.png", "pages.png")


def test_tiny_model_gives_every_picture(tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "maps"
    code = main(["--model", str(tiny_model_dir), "--out", str(out),
                 "--books", "War and Peace", "Not A Real Book Title Zzzq", "--k", "5"])
    assert code == 0
    printed = capsys.readouterr()
    assert "skipped 'Not A Real Book Title Zzzq'" in printed.err
    for name in (*PICTURES, "neighbours_war-and-peace.png"):
        image = read_png(out / name)
        assert image.shape[0] >= 500 and image.shape[1] >= 1000, name
        assert str(out / name) in printed.out
    # tiny data still has a few countries and genres: each gets its own colour
    assert len(colours_present(read_png(out / "books_by_country.png"), PALETTE)) >= 2
    assert (out / "projector" / "projector_config.json").is_file()


def test_a_missing_model_fails_with_a_message(tmp_path, capsys):
    assert main(["--model", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 1
    assert "error:" in capsys.readouterr().err


def test_slug_makes_safe_file_names():
    assert slug("Bully for Brontosaurus") == "bully-for-brontosaurus"
    assert "/" not in slug("../../etc/passwd") and slug("a" * 200) == "a" * 60


@pytest.mark.slow
def test_shared_model_maps_use_many_colours(shared_model_dir, tmp_path):
    out = tmp_path / "maps"
    assert main(["--model", str(shared_model_dir), "--out", str(out), "--no-projector",
                 "--books", "War and Peace"]) == 0
    for name in PICTURES:
        image = read_png(out / name)
        assert 50_000 < (out / name).stat().st_size < 600_000, name
        assert len(colours_present(image, PALETTE, min_pixels=30)) >= 8, name
