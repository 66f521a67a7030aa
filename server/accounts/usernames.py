"""Usernames and display names: what a valid one is, and the folded key that makes look-alikes one name.

Young people pick names in their own script, so letters of any script are welcome, but
one name uses one script, and the key folds case, width and confusable letters
(Unicode TS #39's skeleton, from the Unicode confusables data), so nobody can register
"аmina" with a Cyrillic а beside "amina" and pass as her. Characters that show as nothing
are refused in names and dropped from the key, so "amina" with an invisible mark inside is
"amina" too.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from importlib import resources

from server.i18n import N_, Message, message

MIN_LENGTH = 3
MAX_LENGTH = 32
PUNCTUATION = frozenset("._-")
DISPLAY_NAME_MAX_LENGTH = 64

# Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt): characters a font shows
# as nothing, so a name with one inside looks exactly like the name without it. Among them are
# the zero-width characters, the direction controls (U+200E/F, U+202A-E, U+2066-9, U+061C),
# the combining grapheme joiner, variation selectors, Hangul fillers and tag characters.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
DEFAULT_IGNORABLE = frozenset(
    chr(code) for first, last in _IGNORABLE_RANGES for code in range(first, last + 1)
)
# Not ignorable by Unicode's rules, but drawn as an empty cell: a name made of it looks blank.
BLANK_LOOKING = frozenset("\u2800")
ZWNJ, ZWJ = "\u200c", "\u200d"
# Persian, the other languages written in Arabic script and the scripts of India write some
# words with a zero-width non-joiner or joiner between two letters (Persian "می‌خواهم").
JOINING_SCRIPTS = frozenset(
    {
        "ARABIC",
        "SYRIAC",
        "NKO",
        "DEVANAGARI",
        "BENGALI",
        "GURMUKHI",
        "GUJARATI",
        "ORIYA",
        "TAMIL",
        "TELUGU",
        "KANNADA",
        "MALAYALAM",
        "SINHALA",
    }
)
# Text (U+FE0E) or emoji (U+FE0F) presentation, as phone keyboards add after many emoji: "❤️".
PRESENTATION_SELECTORS = frozenset("\ufe0e\ufe0f")
KEYCAP_BASES = frozenset("0123456789#*")
SKIN_TONES = frozenset(chr(code) for code in range(0x1F3FB, 0x1F400))
HIDDEN_CHARACTERS = N_(
    "A name cannot contain invisible characters, control characters "
    "or characters that change the direction of text."
)


def normalise_username(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw.strip())


def username_problem(username: str) -> str | None:
    """Why a (normalised) username cannot be used, as a msgid; None when it is fine."""
    if not MIN_LENGTH <= len(username) <= MAX_LENGTH:
        return N_("A username has 3 to 32 characters.")
    if not all(_is_allowed_character(char) and char not in DEFAULT_IGNORABLE for char in username):
        return N_("A username has only letters, digits, dots, hyphens and underscores.")
    if not username[0].isalnum():
        return N_("A username starts with a letter or a digit.")
    if len(_scripts(username)) > 1:
        return N_("A username uses letters of one alphabet only.")
    return None


@functools.lru_cache(maxsize=32_768)
def username_key(username: str) -> str:
    """The folded form of a username: two names with one key look alike."""
    folded = unicodedata.normalize("NFKC", username.casefold())
    return unicodedata.normalize("NFC", _skeleton(folded).casefold())


def look_alike(first: str, second: str) -> bool:
    """Whether two names, usernames or display names, can pass for each other.

    A display name is shown as written, capitals and all: beside the username key, which folds
    case first, the names are compared with their look-alikes folded before case, so that a
    Greek capital Upsilon passes for a Y here although its small letter looks like a u.
    """
    return username_key(first) == username_key(second) or _cased_key(first) == _cased_key(second)


@functools.lru_cache(maxsize=32_768)
def _cased_key(name: str) -> str:
    return username_key(_skeleton(unicodedata.normalize("NFKC", name)))


# A dot above an i or a j shows as the dot the letter already has, and on a dotless ı or ȷ it
# draws the plain letter: "ami\u0307na" passes for "amina" (Unicode TS #39, 5.4).
SOFT_DOTTED = {"i": "i", "j": "j", "\u0131": "i", "\u0237": "j", "\u0456": "\u0456", "\u0458": "\u0458"}
DOT_ABOVE = "\u0307"


def _skeleton(text: str) -> str:
    """Each character as the representative of its look-alikes, with the ignorable ones gone."""
    prototypes = _prototypes()
    visible: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if char in DEFAULT_IGNORABLE:
            continue
        if char == DOT_ABOVE and visible and visible[-1] in SOFT_DOTTED:
            visible[-1] = SOFT_DOTTED[visible[-1]]
            continue
        visible.append(char)
    return "".join(prototypes.get(char, char) for char in visible)


def normalise_display_name(raw: str) -> str:
    """NFKC, with every run of white space (tabs and line breaks too) made one space."""
    return " ".join(unicodedata.normalize("NFKC", raw).split())


def display_name_problem(name: str) -> Message | None:
    """Why a (normalised) display name cannot be used; None when it is fine.

    Any character that shows as nothing, steers the direction of the text or is a control
    character is refused, with two exceptions that living languages need: a zero-width
    (non-)joiner between two letters of a script that writes with it, or a joiner between
    two emoji (👩‍💻); and an emoji presentation selector right after a symbol ("❤️").
    Both leave the name's key unchanged, so they cannot make a look-alike of another name.
    """
    if len(name) > DISPLAY_NAME_MAX_LENGTH:
        return message(N_("Must be at most {n} characters long."), n=DISPLAY_NAME_MAX_LENGTH)
    if any(_is_hidden(name, index) for index in range(len(name))):
        return message(HIDDEN_CHARACTERS)
    return None


def _is_hidden(name: str, index: int) -> bool:
    char = name[index]
    before = name[index - 1] if index > 0 else ""
    after = name[index + 1] if index + 1 < len(name) else ""
    if char in (ZWNJ, ZWJ):
        script = _script_of(before)
        joins_letters = script in JOINING_SCRIPTS and script == _script_of(after)
        joins_emoji = char == ZWJ and _ends_emoji(before) and _is_emoji(after)
        return not (joins_letters or joins_emoji)
    if char in PRESENTATION_SELECTORS:
        return not (before and (unicodedata.category(before)[0] in "SP" or before in KEYCAP_BASES))
    return (
        unicodedata.category(char) in ("Cc", "Cf", "Cs") or char in DEFAULT_IGNORABLE or char in BLANK_LOOKING
    )


def _script_of(char: str) -> str | None:
    """The script of a letter or mark, as the first word of its Unicode name ("ARABIC")."""
    if not char or unicodedata.category(char)[0] not in "LM":
        return None
    return unicodedata.name(char, "UNKNOWN").split(" ")[0]


def _is_emoji(char: str) -> bool:
    return bool(char) and unicodedata.category(char) == "So"


def _ends_emoji(char: str) -> bool:
    return _is_emoji(char) or char in SKIN_TONES or char == "\ufe0f"


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
