import pytest

from engine.text import clean_infobox_value, clean_link, clean_title, display_name, wikipedia_url


@pytest.mark.parametrize("raw, clean", [
    ("Nightmares  &  Dreamscapes", "Nightmares & Dreamscapes"),
    ('Tolkien: A Look Behind  " The Lord of the Rings "', 'Tolkien: A Look Behind "The Lord of the Rings"'),
    ('The  " Hitler Myth " : Image and Reality', 'The "Hitler Myth": Image and Reality'),
    (' " A "  Is for Alibi', '"A" Is for Alibi'),
    ("War and Peace", "War and Peace"),
])
def test_clean_title(raw, clean):
    assert clean_title(raw) == clean


@pytest.mark.parametrize("raw, clean", [
    ("Richard Cook < br > Brian Morton", "Richard Cook, Brian Morton"),
    ("John Jakes \n < !--", "John Jakes"),
    ("Fantasy novel < !-- Wikipedia:WikiProject Novels -- >", "Fantasy novel"),
    ('O. J. Simpson < br / > P. F. < ref name= " N " >  < /ref >', "O. J. Simpson, P. F."),
    ("Neltje Blanchan, < br/ > Asa Don Dickinson", "Neltje Blanchan, Asa Don Dickinson"),
    ("  plain value ", "plain value"),
])
def test_clean_infobox_value_strips_wiki_markup(raw, clean):
    assert clean_infobox_value(raw) == clean


def test_links_and_names():
    assert clean_link("Category:Russian_novels ") == "category:russian novels"
    assert display_name("j. r. r. tolkien") == "J. R. R. Tolkien"
    assert wikipedia_url("Dune (novel)") == "https://en.wikipedia.org/wiki/Dune_(novel)"
    assert wikipedia_url("Nightmares & Dreamscapes").endswith("Nightmares_%26_Dreamscapes")
