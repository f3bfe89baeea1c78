"""Broad groups to colour the maps by: the infobox's free-text genre and country folded into a
few families, so "fantasy novel", "epic fantasy" and "sword and sorcery" share one colour."""

from __future__ import annotations

from collections import Counter

# First match wins, so the order settles mixed genres ("children's fantasy novel" -> children's).
GENRE_FAMILIES = (
    ("young adult", ("young adult",)),
    ("children's", ("children", "juvenile", "picture book")),
    ("science fiction", ("science fiction", "science fantasy", "alternate history", "sci-fi",
                         "cyberpunk", "space opera", "dystopia")),
    ("fantasy", ("fantasy", "sword and sorcery")),
    ("horror", ("horror", "gothic")),
    ("crime & thriller", ("crime", "detective", "mystery", "thriller", "spy", "noir")),
    ("historical", ("historical", "war novel")),
    ("romance", ("romance", "romantic")),
    ("biography & memoir", ("biography", "autobiograph", "memoir")),
    ("role-playing games", ("role-playing", "roleplaying", "wargame")),
    ("poetry", ("poetry", "poems", "verse")),
    ("non-fiction", ("non-fiction", "nonfiction", "history", "philosophy", "essay", "reference",
                     "encyclopedia", "politic", "economics", "science", "travel", "self-help",
                     "religio", "textbook")),
)
# One country, however the infobox spelt it; the first of several countries counts.
COUNTRY_ALIASES = {
    "usa": "United States", "us": "United States", "u.s.": "United States",
    "u.s.a.": "United States", "united states of america": "United States",
    "america": "United States",
    "uk": "United Kingdom", "u.k.": "United Kingdom", "england": "United Kingdom",
    "scotland": "United Kingdom", "wales": "United Kingdom", "great britain": "United Kingdom",
    "britain": "United Kingdom", "northern ireland": "United Kingdom",
    "russian empire": "Russia", "soviet union": "Russia", "ussr": "Russia",
}


def genre_family(genre: str | None) -> str:
    """A broad family for an infobox genre, or "" when it says nothing ("novel", "fiction")."""
    text = (genre or "").lower()
    for family, keys in GENRE_FAMILIES:
        if any(key in text for key in keys):
            return family
    return ""


def country_name(country: str | None) -> str:
    first = (country or "").split(",")[0].split(";")[0].strip()
    return COUNTRY_ALIASES.get(first.lower(), first)


def top_groups(labels: list[str], n: int) -> list[str]:
    """The n most common non-empty labels, most common first (ties by name: deterministic)."""
    counts = Counter(label for label in labels if label)
    return [label for label, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]
