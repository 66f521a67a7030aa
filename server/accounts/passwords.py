"""The password rules of OWASP ASVS 5 chapter 6: length, and none of the most common ones."""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources

from server.i18n import N_

MIN_LENGTH = 8
MAX_LENGTH = 128


def password_problem(password: str, username: str) -> str | None:
    """Why a password cannot be used, as a msgid; None when it is fine.

    No composition rules (ASVS 6.2.5): length and a list of known-bad passwords protect
    better, and a young person can use a sentence in their own language.
    """
    if len(password) < MIN_LENGTH:
        return N_("A password has at least 8 characters.")
    if len(password) > MAX_LENGTH:
        return N_("A password has at most 128 characters.")
    folded = unicodedata.normalize("NFKC", password).casefold()
    if folded in _common_passwords():
        return N_("This password is one of the most common ones. Please choose another.")
    if folded == unicodedata.normalize("NFKC", username).casefold():
        return N_("The password must not be the username.")
    return None


@functools.cache
def _common_passwords() -> frozenset[str]:
    # The 3,000 most common passwords of at least 8 characters, by frequency in breach data.
    text = (resources.files("server.accounts") / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())
