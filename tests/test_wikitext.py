"""The one rule for book pages: what a book is and what its row holds, on real wikitext shapes."""

import pytest

from engine.build.wikitext import (
    alias_target,
    book_templates,
    link_target,
    parse_book,
    plain_text,
    redirect_link,
    template_key,
)

BOOKS = book_templates({"Infobox novel": "Template:Infobox book",
                        "Infobox Novel": "Template:Infobox novel",  # a chain of two
                        "Infobox film": "Template:Infobox motion picture"})

NARNIA = """{{Short description|1950 fantasy novel by C. S. Lewis}}
{{Use dmy dates|date=May 2020}}
{{Infobox novel <!-- See [[Wikipedia:WikiProject Novels]] -->
| name = The Lion, the Witch and the Wardrobe
| author = [[C. S. Lewis|C.&nbsp;S. Lewis]]<ref name="bio">{{cite web|url=http://x.org|title=x}}</ref>
| illustrator = {{nowrap|[[Pauline Baynes]]}}
| cover_artist = {{ubl|[[Pauline Baynes]]|Someone Else}}
| country = {{flagicon|UK}} United Kingdom
| series = ''[[The Chronicles of Narnia]]''
| genre = {{Plainlist|
* [[Children's literature|Children's]]
* [[Fantasy]] novel
}}
| publisher = [[Geoffrey Bles]]<br />Macmillan (US)
| release_date = {{Start date|1950|10|16|df=y}}
| pages = 172 <!-- first edition -->
| image = [[File:TheLionWitchWardrobe(1stEd).jpg|200px]]
| isbn =
}}
'''''The Lion''''' is a [[novel#Fantasy|novel]] by [[C. S. Lewis]]. See [[#Plot]].
[[Image:Lion.jpg|thumb|A lion by [[Pauline Baynes]]]] [[wikt:wardrobe]] [[b:Narnia]] [[:Category:Narnia]]
http://example.com/a [https://narnia.com Narnia site] [[Media:Lion.ogg]] [[Commons:Lions]]
[[Category:1950 British novels|Lion]]
[[fr:Le Lion, la Sorcière blanche et l'Armoire magique]]
[[zh-yue:獅子·女巫·魔衣櫥]]
"""


def narnia():
    return parse_book("The Lion, the Witch and the Wardrobe", 0, NARNIA, "2024-01-02T03:04:05Z",
                      BOOKS)


def test_a_template_redirect_to_the_infobox_makes_a_book():
    assert BOOKS == {"Infobox book", "Infobox novel", "Infobox Novel"}
    book = narnia()
    assert book is not None
    assert book.timestamp == "2024-01-02T03:04:05Z" and book.n_characters == len(NARNIA)


def test_infobox_values_are_clean_plain_text():
    info = narnia().infobox
    assert info["author"] == "C. S. Lewis"  # link text, &nbsp; decoded, the ref gone
    assert info["illustrator"] == "Pauline Baynes"
    assert info["cover_artist"] == "Pauline Baynes, Someone Else"
    assert info["country"] == "United Kingdom"
    assert info["series"] == "The Chronicles of Narnia"
    assert info["genre"] == "Children's, Fantasy novel"
    assert info["publisher"] == "Geoffrey Bles, Macmillan (US)"
    assert info["release_date"] == "1950-10-16"
    assert info["pages"] == "172"
    assert info["image"] == "File:TheLionWitchWardrobe(1stEd).jpg"
    assert "isbn" not in info  # empty fields are left out, as in the article's rows
    assert not any("<" in v or "{{" in v or "&" in v for v in info.values())


def test_wikilinks_keep_pages_and_categories_only():
    links = narnia().wikilinks
    # The link in the infobox's comment is no link; the one in the image caption is.
    assert links == ["C. S. Lewis", "Pauline Baynes", "Pauline Baynes", "The Chronicles of Narnia",
                     "Children's literature", "Fantasy", "Geoffrey Bles", "novel", "C. S. Lewis",
                     "Pauline Baynes", "Category:Narnia", "Category:1950 British novels"]
    assert narnia().external_links == ["http://x.org", "http://example.com/a", "https://narnia.com"]


@pytest.mark.parametrize("raw, target", [
    ("Joan Aiken#Wolves Chronicles", "Joan Aiken"), ("#Plot", None), ("File:X.jpg", None),
    ("image:X.jpg", None), ("fr:Le Hobbit", None), ("wikt:hobbit", None), ("b:Hobbit", None),
    ("Category:1937 novels", "Category:1937 novels"), (":Category:Hobbits", "Category:Hobbits"),
    ("category: fantasy novels", "Category:Fantasy novels"), ("Star Trek: Voyager", "Star Trek: Voyager"),
    ("High_fantasy", "High fantasy"), ("Harper &amp; Brothers", "Harper & Brothers"), ("  ", None),
])
def test_link_targets(raw, target):
    assert link_target(raw) == target


@pytest.mark.parametrize("title, ns, text", [
    ("Draft:The Unwritten Tale", 118, "{{Infobox book|name=x}}"),
    ("Talk:The Hobbit", 1, "{{WikiProject Books}}{{Infobox book|name=x}}"),
    ("The Hobbit (film series)", 0, "{{Infobox film|name=The Hobbit}} [[Peter Jackson]]"),
    ("Demons", 0, "{{Infobox book|name=Demons}} may mean [[Demons (novel)]] {{Disambiguation}}"),
    ("Resurrection (disambiguation)", 0, "{{Infobox book}} * [[Resurrection (novel)]]"),
    ("Hobbit", 0, "#REDIRECT [[The Hobbit]] {{Infobox book}}"),
    ("Middle-earth", 0, "{{Infobox fictional location|name=Middle-earth}} [[The Hobbit]]"),
    # A namespace number lost on the way (an export that says 0): the title still tells.
    ("Draft:The Unwritten Tale", 0, "{{Infobox book|name=x}}"),
    ("Template:Infobox book/doc", 0, "{{Infobox book|name=x}}"),
])
def test_pages_that_are_not_books(title, ns, text):
    assert parse_book(title, ns, text, "", BOOKS) is None


def test_a_book_infobox_inside_another_template_counts_and_the_first_one_is_the_infobox():
    text = "{{Infobox book|name=A|author=[[X]]}}{{Infobox book|name=B}}"
    assert parse_book("A", 0, text, "", BOOKS).infobox == {"name": "A", "author": "X"}
    nested = "{{Multiple infobox|{{Infobox novel|name=N}}}}"
    assert parse_book("N", 0, nested, "", BOOKS).infobox == {"name": "N"}


@pytest.mark.parametrize("text, alias", [
    ("#REDIRECT [[The Hobbit]]", "The Hobbit"),
    ("#redirect[[the_Hobbit]]\n{{R from alternative name}}", "The Hobbit"),
    ("#REDIRECT: [[The Hobbit|x]]", "The Hobbit"),
    ("#REDIRECT [[The Hobbit#Plot]]", None),  # a section is not the book
    ("#REDIRECT [[The Hobbit]] {{R from fictional character}}", None),
    ("{{Redirect category shell|{{R to section}}}}\n#REDIRECT [[The Hobbit]]", None),
    ("'''The Hobbit''' is a novel", None),
])
def test_redirects_become_aliases_only_of_the_whole_book(text, alias):
    assert alias_target(text) == alias


def test_redirect_link_keeps_the_fragment():
    link = redirect_link("#REDIRECT [[War and Peace#Prince Andrei]]")
    assert (link.target, link.fragment) == ("War and Peace", "Prince Andrei")


def test_template_keys_compare_like_mediawiki():
    assert template_key("template:infobox_book ") == "Infobox book"
    assert template_key("Infobox Book") != template_key("Infobox book")  # only the first letter folds


def infobox_text(wikitext: str) -> str:
    """An infobox value's wikitext as the catalog will show it."""
    import mwparserfromhell

    return plain_text(mwparserfromhell.parse(wikitext))


def test_plain_text_resolves_wrappers_lists_and_markup():
    assert infobox_text("{{lang|fr|Le Petit Prince}}") == "Le Petit Prince"
    assert infobox_text("{{hlist|[[Novel]]|[[Fantasy|fantasy fiction]]}}") == "Novel, fantasy fiction"
    assert infobox_text("'''Bold''' and ''italic''<sup>[1]</sup>") == "Bold and italic[1]"
    assert infobox_text("1937<ref>{{cite book|title=x}}</ref><!-- first --> (UK)") == "1937 (UK)"
    assert infobox_text("Allen &amp; Unwin") == "Allen & Unwin"


def test_plain_text_keeps_what_todays_infoboxes_wrap_in_templates():
    """Shapes of current articles: {{langx}} replaced {{lang-xx}} in 2024; foreign authors come
    as {{ill}}; spaces and breaks as templates; identifiers and approximate dates wrapped."""
    assert infobox_text("{{langx|ru|Война и миръ|Voyna i mir}}") == "Война и миръ"
    assert infobox_text("{{ill|Hans Fallada|de}}") == "Hans Fallada"
    assert infobox_text("{{interlanguage link|Der Trinker|de|lt=The Drinker}}") == "The Drinker"
    assert infobox_text("C.{{nbsp}}S. Lewis") == "C. S. Lewis"
    assert infobox_text("[[Penguin Books]]{{br}}[[Viking Press|Viking]] (US)") == "Penguin Books, Viking (US)"
    assert infobox_text("{{ISBN|978-0-261-10295-4}}") == "978-0-261-10295-4"
    assert infobox_text("{{circa|1850}}") == "c. 1850"
    assert infobox_text("{{sortname|Ursula K.|Le Guin}}") == "Ursula K. Le Guin"
    assert infobox_text("{{Script|Cyrl|Война}}") == "Война"
    assert infobox_text("{{resize|90%|(UK)}}") == "(UK)"
    assert infobox_text("{{nowrap}}{{lang|fr}}") == ""  # an empty wrapper is no text, not an error
