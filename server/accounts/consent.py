"""The consent text young people accept when they join, versioned, in every language.

Changing a word of it means a new CONSENT_VERSION: a consent record names the version the
person read, so the text behind every record must stay what it was.
"""

from __future__ import annotations

from server.i18n import N_

CONSENT_VERSION = "2026-12"

CONSENT_TITLE = N_("Taking part in Tessera")
CONSENT_PARAGRAPHS = (
    N_(
        "Tessera is the platform of a research programme about how young people with migration "
        "experience find their place in Europe. Taking part is your choice."
    ),
    N_(
        "We keep your username, the name you show to others, your birth year, your language and "
        "what you write here. Researchers only see notes without your name."
    ),
    N_(
        "In the settings you can download everything we keep about you, withdraw your consent, "
        "or delete your account, at any time. Withdrawing has no bad consequences for you: "
        "researchers stop seeing your notes, and you write none until you consent again."
    ),
    N_(
        "If you delete your account, your notes are deleted with it. For notes already approved "
        "for research, you choose: they stay without your name, or they are deleted too."
    ),
    N_("If something here worries you, talk to your youth worker. They are there to help and keep you safe."),
)
GUARDIAN_NOTE = N_(
    "Because of your age, a parent or guardian must agree too. Please write their name: "
    "by doing so you confirm that they have read this and agree."
)
