"""The e-mails Tessera sends, and how one is rendered in its recipient's language: a subject,
a plain-text part and a simple HTML part (right to left for Arabic and Persian).

A template is a subject and paragraphs, each a gettext message whose ``{placeholders}`` are
filled from the context the caller gives. A paragraph whose placeholders are not all in the
context (or are None there) is left out: "Where: {place}" for an event held online. A
template may end with a link: its label is a message, its address the context's ``link``.

Datetimes in the context are written the recipient's way in their own zone (give them with
the zone of the place, such as an event's); dates and numbers too; everything else is text, escaped in
the HTML part.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import string
from collections.abc import Mapping
from typing import Any

from babel import dates

from server import i18n
from server.i18n import N_


@dataclasses.dataclass(frozen=True, slots=True)
class Template:
    subject: str
    paragraphs: tuple[str, ...]
    # The label of a link to the context's "link", shown last.
    link_label: str | None = None
    # The message holds a secret (a private ballot link): once sent, or given up, its text
    # and HTML are forgotten, so that the link does not outlive its delivery on the server.
    forget_when_sent: bool = False


TEMPLATES: dict[str, Template] = {
    "event_registration_confirmed": Template(
        subject=N_("Your place at {title} is confirmed"),
        paragraphs=(
            N_("You are registered for {title}. Your place is confirmed."),
            N_("When: {starts_at} ({time_zone})"),
            N_("Where: {place}"),
            N_("Online: {online_url}"),
            N_("The calendar file attached adds the event to your calendar."),
        ),
    ),
    "event_registration_waitlisted": Template(
        subject=N_("You are on the waiting list for {title}"),
        paragraphs=(
            N_("{title} is full, so you are on its waiting list, in place {position}."),
            N_("When: {starts_at} ({time_zone})"),
            N_("We will write to you as soon as a place is free for you."),
        ),
    ),
    "event_waitlist_confirmed": Template(
        subject=N_("A place at {title} is free for you"),
        paragraphs=(
            N_("Good news: a place became free, and you are off the waiting list for {title}."),
            N_("When: {starts_at} ({time_zone})"),
            N_("Where: {place}"),
            N_("Online: {online_url}"),
            N_("The calendar file attached adds the event to your calendar."),
        ),
    ),
    # A Delphi panellist's private ballot link. The message is forgotten once sent (see
    # outbox.queue's forget_when_sent): the link must not outlive its delivery on the server.
    "delphi_invitation": Template(
        subject=N_("You are invited to the Delphi study {study}"),
        paragraphs=(
            N_(
                "{study} asks a panel to rate statements over several rounds. From the second round you "
                "see what the panel thought, without names, and may change your ratings."
            ),
            N_(
                "The link below is yours alone: it opens your ballot without an account. Please do not pass it on."
            ),
        ),
        link_label=N_("Open my ballot"),
        forget_when_sent=True,
    ),
    # Sent to panellists who have not answered in an open round (where the study's anonymity
    # lets anyone know who answered). It carries no link: the server never keeps a ballot's token.
    "delphi_reminder": Template(
        subject=N_("Round {number} of {study} is waiting for your answers"),
        paragraphs=(
            N_("Round {number} of {study} is open and your answers are not in yet."),
            N_(
                "Open your ballot with the link in your invitation e-mail. Every answer is saved as you give it."
            ),
        ),
    ),
    # An anonymous study's reminder goes to the whole panel: nobody can know who answered.
    "delphi_reminder_everyone": Template(
        subject=N_("Round {number} of {study} is open"),
        paragraphs=(
            N_(
                "Round {number} of {study} is open. If you have answered already, thank you: there is nothing more to do."
            ),
            N_(
                "Open your ballot with the link in your invitation e-mail. Every answer is saved as you give it."
            ),
        ),
    ),
    # A day before an event, to the people with a place (server/events/reminders.py).
    "event_reminder": Template(
        subject=N_("Reminder: {title} is coming up"),
        paragraphs=(
            N_("A reminder: you have a place at {title}."),
            N_("When: {starts_at} ({time_zone})"),
            N_("Where: {place}"),
            N_("Online: {online_url}"),
            N_("The calendar file attached adds the event to your calendar."),
            N_(
                "If you cannot come, please cancel your registration in the app, so that someone else can have your place."
            ),
        ),
    ),
    # An invite sent by e-mail. Forgotten once sent: the link lets anyone join.
    "invitation": Template(
        subject=N_("You are invited to join Tessera"),
        paragraphs=(
            N_("{inviter} invites you to join Tessera, on the {platform} platform."),
            N_("Open the link below to choose a username and a password. Your invite code is {code}."),
            N_("The invite works until {expires_on}. If you did not expect this e-mail, you can ignore it."),
        ),
        link_label=N_("Join Tessera"),
        forget_when_sent=True,
    ),
    # The code that confirms an address a person wants on their account. Forgotten once sent.
    "email_confirmation": Template(
        subject=N_("Confirm your e-mail address for Tessera"),
        paragraphs=(
            N_("Someone asked to add this address to the Tessera account {username}."),
            N_(
                "Your confirmation code is {code}. Enter it in Settings in the app, within {minutes} minutes."
            ),
            N_("If this was not you, you can ignore this e-mail: the address will not be added."),
        ),
        link_label=N_("Confirm my address"),
        forget_when_sent=True,
    ),
    # A password reset code asked for on the sign-in screen. Forgotten once sent.
    "password_reset": Template(
        subject=N_("Your Tessera password reset code"),
        paragraphs=(
            N_("Someone asked to reset the password of the Tessera account {username}."),
            N_("Your reset code is {code}. It works once, within {minutes} minutes."),
            N_("If this was not you, you can ignore this e-mail: your password stays as it is."),
        ),
        link_label=N_("Choose a new password"),
        forget_when_sent=True,
    ),
}


@dataclasses.dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


class UnknownTemplate(LookupError):
    pass


def forgotten_when_sent(template_name: str) -> bool:
    template = TEMPLATES.get(template_name)
    return template is not None and template.forget_when_sent


def render(template_name: str, language: str, context: Mapping[str, Any]) -> Rendered:
    """The message in ``language`` (one of i18n.SUPPORTED_LOCALES, else the default)."""
    template = TEMPLATES.get(template_name)
    if template is None:
        raise UnknownTemplate(template_name)
    locale = language if language in i18n.SUPPORTED_LOCALES else i18n.DEFAULT_LOCALE
    values = {name: written(value, locale) for name, value in context.items() if value is not None}
    # Headers are one line: a line break in a value (an event's title) must not start another.
    subject = " ".join(i18n.translate(locale, template.subject).format_map(Blank(values)).split())
    paragraphs = [
        i18n.translate(locale, paragraph).format(**values)
        for paragraph in template.paragraphs
        if placeholders(paragraph) <= values.keys()
    ]
    link = values.get("link") if template.link_label else None
    label = i18n.translate(locale, template.link_label) if template.link_label and link else None
    text = "\n\n".join(paragraphs + ([f"{label}: {link}"] if label else []))
    return Rendered(subject[:500], text + "\n", html_part(locale, subject, paragraphs, label, link))


class Blank(dict[str, object]):
    """A subject is never left out: a missing value is an empty one."""

    def __missing__(self, key: str) -> str:
        return ""


def placeholders(msgid: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(msgid) if name}


def written(value: object, locale: str) -> object:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        day = dates.format_date(value, "full", locale=locale)
        time = dates.format_time(value, "short", tzinfo=value.tzinfo, locale=locale)
        pattern = str(dates.get_datetime_format("long", locale=locale))
        return pattern.replace("'", "").replace("{0}", time).replace("{1}", day)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dates.format_date(value, "long", locale=locale)
    return i18n.format_value(value, locale)


def html_part(locale: str, subject: str, paragraphs: list[str], label: str | None, link: object) -> str:
    direction = i18n.direction(locale).value
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>\n" for p in paragraphs)
    if label and link:
        body += f'<p><a href="{html.escape(str(link))}">{html.escape(label)}</a></p>\n'
    return (
        f'<!DOCTYPE html>\n<html lang="{locale}" dir="{direction}">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n"
        f'<body dir="{direction}" style="font-family: sans-serif; line-height: 1.5">\n{body}</body>\n</html>\n'
    )
