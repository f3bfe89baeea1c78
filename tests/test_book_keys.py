"""Book keys for Discord custom ids: short, stable, and read back only through the catalog."""

import subprocess
import sys

from bot.book_keys import KEY_LENGTH, BookKeys, book_key

TITLES = ["The Hobbit", "Beren and Lúthien", "x" * 255, "'); DROP TABLE reads; --"]


def test_keys_are_short_hex_and_the_same_in_another_process():
    keys = [book_key(t) for t in TITLES]
    assert all(len(k) == KEY_LENGTH and int(k, 16) >= 0 for k in keys)
    assert len(set(keys)) == len(keys)
    other = subprocess.run([sys.executable, "-c", "from bot.book_keys import book_key; "
                            "print(book_key('Beren and Lúthien'))"], capture_output=True,
                           text=True, check=True)
    assert other.stdout.strip() == keys[1]  # no per-process hash seed: survives a restart


def test_keys_map_back_only_to_catalog_titles():
    index = BookKeys(TITLES)
    assert [index.title(book_key(t)) for t in TITLES] == TITLES
    for bad in (book_key("Not In The Catalog"), "The Hobbit", "", None, 42,
                book_key("The Hobbit").upper(), book_key("The Hobbit") + "0", "٣" * KEY_LENGTH):
        assert index.title(bad) is None, bad


def test_a_key_two_titles_share_names_neither():
    index = BookKeys(["Dune", "Emma", "Dune"])  # the same key twice stands for a collision
    assert index.title(book_key("Dune")) is None
    assert index.title(book_key("Emma")) == "Emma"
