"""Usernames: what a valid one is, and the folded key that makes look-alikes one name.

Young people pick names in their own script, so letters of any script are welcome, but
one name uses one script, and the key folds case, width and confusable letters
(Unicode TS #39's skeleton, from the Unicode confusables data), so nobody can register
"аmina" with a Cyrillic а beside "amina" and pass as her.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from importlib import resources

from server.i18n import N_

MIN_LENGTH = 3
MAX_LENGTH = 32
PUNCTUATION = frozenset("._-")


def normalise_username(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw.strip())


def username_problem(username: str) -> str | None:
    """Why a (normalised) username cannot be used, as a msgid; None when it is fine."""
    if not MIN_LENGTH <= len(username) <= MAX_LENGTH:
        return N_("A username has 3 to 32 characters.")
    if not all(_is_allowed_character(char) for char in username):
        return N_("A username has only letters, digits, dots, hyphens and underscores.")
    if not username[0].isalnum():
        return N_("A username starts with a letter or a digit.")
    if len(_scripts(username)) > 1:
        return N_("A username uses letters of one alphabet only.")
    return None


def username_key(username: str) -> str:
    folded = unicodedata.normalize("NFKC", username.casefold())
    prototypes = _prototypes()
    skeleton = "".join(prototypes.get(char, char) for char in unicodedata.normalize("NFD", folded))
    return unicodedata.normalize("NFC", skeleton.casefold())


def _is_allowed_character(char: str) -> bool:
    return char in PUNCTUATION or unicodedata.category(char)[0] in {"L", "N", "M"}


def _scripts(username: str) -> set[str]:
    scripts = set()
    for char in username:
        if unicodedata.category(char)[0] == "L":
            scripts.add(unicodedata.name(char, "UNKNOWN").split(" ")[0])
    return scripts


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each confusable character mapped to one representative of its set of look-alikes.

    The data lists, for each character, the single characters it can be mistaken for; the
    representative is the smallest code point among them, so "а" (Cyrillic) and "a"
    (Latin) both become "a".
    """
    data_file = resources.files("confusable_homoglyphs") / "confusables.json"
    confusables: dict[str, list[dict[str, str]]] = json.loads(data_file.read_text(encoding="utf-8"))
    prototypes: dict[str, str] = {}
    for char, lookalikes in confusables.items():
        if len(char) != 1:
            continue
        group = [char] + [item["c"] for item in lookalikes if len(item["c"]) == 1]
        prototypes[char] = min(group)
    return prototypes
