"""The API path against a fake Action API on 127.0.0.1: continuation, a 429, a maxlag error,
a dropped connection; the same books, links and aliases as the dump path from the same pages."""

import pytest

from engine.build.api_client import ApiClient, ApiError
from engine.build.api_fetch import fetch_from_api
from engine.build.cli import fetch_wikipedia_main
from engine.build.dump_fetch import fetch_from_dumps
from engine.build.fetched import BOOKS_FILE, MANIFEST_FILE
from tests.fake_api import FakeWiki, serve
from tests.test_dump_fetch import ALIASES, BOOK_TITLES, read_out
from tests.wiki_pages import all_pages, write_partitions

CONTACT = "tests@example.org"


@pytest.fixture
def wiki():
    fake = FakeWiki(all_pages())
    server, url = serve(fake)
    fake.url = url
    yield fake
    server.shutdown()
    server.server_close()


def no_sleep(seconds):
    pass


def test_the_api_path_survives_throttling_lag_and_a_dropped_connection(wiki, tmp_path):
    wiki.faults = {2: "429", 4: "maxlag", 6: "drop", 9: "garbage"}
    manifest = fetch_from_api(wiki.url, tmp_path, CONTACT, progress=False, sleep=no_sleep,
                              log=lambda *a: None)
    rows, aliases, written = read_out(tmp_path)
    assert [r[0] for r in rows] == BOOK_TITLES and aliases == ALIASES
    assert manifest == written and manifest["source"] == "api"
    assert manifest["book_infoboxes"] == ["Infobox book", "Infobox novel"]
    assert any("eicontinue" in q for q in wiki.requests)  # continuation was followed
    assert any("grdcontinue" in q for q in wiki.requests)
    assert all(q["maxlag"] == "5" and q["format"] == "json" for q in wiki.requests)
    assert all(CONTACT in ua and ua.startswith("wikishelf/") for ua in wiki.user_agents)


def test_both_paths_give_the_same_books_links_and_aliases(wiki, tmp_path):
    fetch_from_api(wiki.url, tmp_path / "api", CONTACT, progress=False, log=lambda *a: None)
    fetch_from_dumps(write_partitions(tmp_path / "dumps"), tmp_path / "dump", workers=2,
                     progress=False, log=lambda *a: None)
    assert read_out(tmp_path / "api")[:2] == read_out(tmp_path / "dump")[:2]


def test_an_api_that_stops_answering_gives_a_clear_message_and_a_rerun_resumes(wiki, tmp_path,
                                                                                  capsys, monkeypatch):
    import engine.build.api_client as api_client

    monkeypatch.setattr(api_client.time, "sleep", no_sleep)
    wiki.down_after = 12
    args = ["--api", "--out", str(tmp_path), "--api-url", wiki.url, "--contact", CONTACT, "--quiet"]
    assert fetch_wikipedia_main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "stopped answering (HTTP 503 after 7 tries)" in err
    assert "run the same command again to resume" in err
    assert not (tmp_path / BOOKS_FILE).exists() and not (tmp_path / MANIFEST_FILE).exists()
    done_before = len(wiki.requests)
    wiki.down_after = None
    assert fetch_wikipedia_main(args) == 0
    rows, aliases, manifest = read_out(tmp_path)
    assert [r[0] for r in rows] == BOOK_TITLES and aliases == ALIASES
    # The plan and the finished batches were not asked for again.
    assert not any(q.get("list") == "embeddedin" for q in wiki.requests[done_before:])


def test_an_api_error_and_a_missing_contact_are_clear(wiki):
    with pytest.raises(ApiError, match="needs a contact"):
        ApiClient(wiki.url, "")
    with pytest.raises(ApiError, match="badvalue"):
        ApiClient(wiki.url, CONTACT).get(prop="nonsense", titles="X")
