"""The categories every new installation starts with, named in every language from the catalogues.

Network-wide ones are shared by all platforms and moderated by admins; each country platform
gets its own set, moderated by its youth workers.
"""

from __future__ import annotations

from server.i18n import N_, SUPPORTED_LOCALES, translate

NETWORK_WIDE = [
    (N_("Welcome"), N_("Say hello and meet young people from the whole network.")),
    (N_("Across Europe"), N_("Share how school, work and daily life go in different countries.")),
]
PER_PLATFORM = [
    (N_("Meet and talk"), N_("Talk with the young people of your platform.")),
    (N_("School, work and training"), N_("Questions and tips about studying, training and finding work.")),
    (N_("Help and support"), N_("Ask for help. Youth workers read every post here.")),
]


def in_every_language(msgid: str) -> dict[str, str]:
    return {locale: translate(locale, msgid) for locale in SUPPORTED_LOCALES}
