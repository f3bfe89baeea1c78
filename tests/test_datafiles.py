"""Blob-id verification: a corrupted file is rejected and leaves nothing behind."""

import hashlib
from dataclasses import replace

import pytest

from engine import settings
from engine.build.datafiles import FILES, copy_from_mirror, fetch, git_blob_id, is_valid
from engine.errors import DataError
from tests.conftest import requires_shared_data


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@pytest.fixture
def mirror(tmp_path):
    """A mirror holding small files, and specs pinned to their blob ids."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    specs = []
    for spec in FILES[:3]:
        data = f"contents of {spec.name}\n".encode()
        (folder / spec.name).write_bytes(data)
        specs.append(replace(spec, blob_id=blob_id(data), size=len(data)))
    return folder, specs


def test_git_blob_id_is_gits(tmp_path):
    path = tmp_path / "hello.txt"
    path.write_bytes(b"hello\n")
    assert git_blob_id(path) == "ce013625030ba8dba906f756967f9e9ca394464a"  # `git hash-object`


def test_copy_verifies_and_installs(mirror, tmp_path):
    folder, specs = mirror
    dest = tmp_path / "data"
    path = copy_from_mirror(specs[0], folder, dest)
    assert is_valid(path, specs[0])
    assert sorted(p.name for p in dest.iterdir()) == [specs[0].name]


def test_corrupted_copy_is_rejected_and_leaves_no_partial_file(mirror, tmp_path):
    folder, specs = mirror
    (folder / specs[0].name).write_bytes(b"contents of something else\n")
    dest = tmp_path / "data"
    with pytest.raises(DataError, match="checksum mismatch.*fetch_data"):
        copy_from_mirror(specs[0], folder, dest)
    assert list(dest.iterdir()) == []


def test_corrupted_copy_keeps_a_good_existing_file(mirror, tmp_path):
    folder, specs = mirror
    dest = tmp_path / "data"
    copy_from_mirror(specs[0], folder, dest)
    (folder / specs[0].name).write_bytes(b"tampered\n")
    with pytest.raises(DataError):
        copy_from_mirror(specs[0], folder, dest)
    assert is_valid(dest / specs[0].name, specs[0])


def test_fetch_is_idempotent_and_replaces_a_corrupt_local_file(mirror, tmp_path, monkeypatch):
    import engine.build.datafiles as datafiles

    folder, specs = mirror
    monkeypatch.setattr(datafiles, "PARTIAL_FILES", tuple(specs))
    dest = tmp_path / "data"
    said = []
    fetch(dest, mirror=folder, log=said.append)
    assert all("copied" in line for line in said)
    said.clear()
    fetch(dest, mirror=folder, log=said.append)
    assert all("present and verified" in line for line in said)
    (dest / specs[1].name).write_bytes(b"bit rot\n")
    said.clear()
    fetch(dest, mirror=folder, log=said.append)
    assert "copied" in said[1] and is_valid(dest / specs[1].name, specs[1])


def test_missing_from_mirror_and_offline_says_what_to_do(mirror, tmp_path, monkeypatch):
    import engine.build.datafiles as datafiles

    folder, specs = mirror
    unreachable = replace(specs[0], name="absent.tsv")
    monkeypatch.setattr(datafiles, "UPSTREAM", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(DataError, match="could not download absent.tsv.*--mirror"):
        datafiles.download(unreachable, tmp_path / "data", timeout=2)
    assert list((tmp_path / "data").iterdir()) == []


@requires_shared_data
def test_the_shared_mirror_verifies():
    for spec in FILES[:3]:
        assert is_valid(settings.SHARED_WIKIPEDIA_DIR / spec.name, spec), spec.name


@requires_shared_data
def test_the_goodbooks_list_is_copied_from_where_the_shared_mirror_keeps_it(tmp_path):
    from engine.build.datafiles import GOODBOOKS_FILE

    source = GOODBOOKS_FILE.in_mirror(settings.SHARED_WIKIPEDIA_DIR)
    assert source is not None and is_valid(source, GOODBOOKS_FILE)
    assert is_valid(copy_from_mirror(GOODBOOKS_FILE, settings.SHARED_WIKIPEDIA_DIR, tmp_path),
                    GOODBOOKS_FILE)
    assert GOODBOOKS_FILE.url.startswith("https://raw.githubusercontent.com/zygmuntz/goodbooks-10k/")
