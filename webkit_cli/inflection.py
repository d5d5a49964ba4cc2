"""English names for generated code: the plural of a noun and the words of a CamelCase or
snake_case name.

What these return is part of what a record renders to (webkit_cli/resources.py derives every
name of a resource with them): a change here needs a new template release.
"""

from __future__ import annotations

import re

# English plurals: the rules a scaffold needs, kept here rather than taken from a library
# because they must never change under a project (see above).
_IRREGULAR = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "mouse": "mice",
    "goose": "geese",
    "foot": "feet",
    "tooth": "teeth",
    "ox": "oxen",
    "quiz": "quizzes",
    "index": "indices",
    "matrix": "matrices",
    "vertex": "vertices",
    "datum": "data",
    "criterion": "criteria",
    "phenomenon": "phenomena",
    "cactus": "cacti",
    "leaf": "leaves",
    "life": "lives",
    "wife": "wives",
    "knife": "knives",
    "half": "halves",
    "wolf": "wolves",
    "shelf": "shelves",
    "thief": "thieves",
    "calf": "calves",
    "loaf": "loaves",
    "hero": "heroes",
    "potato": "potatoes",
    "tomato": "tomatoes",
    "echo": "echoes",
}
_UNCOUNTABLE = frozenset(
    "sheep fish deer series species news information equipment rice money data media".split()
)


def plural(word: str) -> str:
    """The plural of a lower-case English noun."""
    if word in _UNCOUNTABLE:
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("is") and len(word) > 4:
        return word[:-2] + "es"  # analysis, crisis, thesis
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


def words(name: str) -> list[str]:
    """BlogPost, blogPost, blog_post -> ["blog", "post"]; HTTPLog -> ["http", "log"]."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return [part.lower() for part in spaced.split("_") if part]
