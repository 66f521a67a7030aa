"""The `tessera` command: serve, worker, migrate, backup, restore, create-user, the e-mail outbox, and the translation workflow."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from server.accounts.models import Role
from server.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


async def _migrate(settings: Settings) -> None:
    from server.db import create_engine
    from server.db import migrate as migrate_schema

    engine = create_engine(settings.database_url)
    try:
        await migrate_schema(engine)
    finally:
        await engine.dispose()


@click.group(help="Tessera: participatory research with young migrants.")
def main() -> None:
    pass


@main.command(help="Run the API and the app (with the background workers unless --no-workers).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-workers", is_flag=True, help="Leave background work to a separate `tessera worker`.")
@click.option(
    "--workers",
    "processes",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="App processes serving the port (several need TESSERA_REDIS_URL).",
)
def serve(host: str, port: int, no_workers: bool, processes: int) -> None:
    import uvicorn

    settings = _settings()
    # Which X-Forwarded-For to believe is Tessera's to decide (TESSERA_TRUSTED_PROXIES):
    # uvicorn's own handling believes any process on the same machine.
    # No access log: a Delphi ballot's private link is in its path, and under `anonymous` a log
    # that keeps it could link a panellist to their ratings. Put a proxy in front to log traffic.
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "proxy_headers": False,
        "server_header": False,
        "access_log": False,
    }
    if processes == 1:
        from server.app import create_app

        uvicorn.run(create_app(settings, run_workers=not no_workers), **options)
        return
    if not settings.redis_url:
        raise click.ClickException(
            "--workers needs TESSERA_REDIS_URL: without Redis, sessions and sign-in throttling counters "
            f"live in files under {settings.store_dir}, which count correctly in one process only "
            "(split over several, a throttle would let several times as many guesses through)."
        )
    # Each app process serves requests only; the background jobs run once, in a process of
    # their own beside them (as `tessera worker`), not once in every app process.
    background = None if no_workers else BackgroundProcess([sys.executable, "-m", "server.cli", "worker"])
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        # An app process answers uvicorn's supervisor only once it has started, and starting
        # migrates the database: on a busy machine that takes longer than uvicorn's 5 s, and
        # the supervisor would kill it and start another, over and over.
        options["timeout_worker_healthcheck"] = STARTUP_SECONDS
    try:
        uvicorn.run(WEB_APP_FACTORY, factory=True, workers=processes, **options)
    finally:
        if background is not None:
            background.stop()


STARTUP_SECONDS = 120
# For uvicorn's worker processes, which import the app by name: the app without background jobs.
WEB_APP_FACTORY = "server.app:create_web_app_from_environment"


class BackgroundProcess:
    """A `tessera worker` beside the app processes of `tessera serve --workers N`, started again
    if it ends, as uvicorn starts an app process again that ends."""

    RESTART_SECONDS = 5.0

    def __init__(self, command: list[str]) -> None:
        self._command = command
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="tessera-worker", daemon=True)
        self._thread.start()

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            process = subprocess.Popen(self._command)  # noqa: S603 - this interpreter, fixed arguments
            while process.poll() is None and not self._stopping.wait(0.5):
                pass
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                return
            click.echo(
                f"The background worker ended (exit code {process.returncode}); "
                f"starting it again in {self.RESTART_SECONDS:.0f} s.",
                err=True,
            )
            self._stopping.wait(self.RESTART_SECONDS)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=15)


@main.command(help="Run the background workers alone.")
def worker() -> None:
    from server.app import make_store
    from server.db import create_engine, create_sessionmaker
    from server.db import migrate as migrate_schema
    from server.push.keys import make_key_once
    from server.workers import jobs_for, run_forever

    settings = _settings()

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await migrate_schema(engine)
            db_sessionmaker = create_sessionmaker(engine)
            await make_key_once(db_sessionmaker, settings)
            click.echo("Tessera worker running. Stop with Ctrl+C.")
            with jobs_for(make_store(settings), db_sessionmaker, settings) as jobs:
                await run_forever(jobs)
        finally:
            await engine.dispose()

    asyncio.run(run())


@main.command(help="Create or upgrade the database schema.")
def migrate() -> None:
    asyncio.run(_migrate(_settings()))
    click.echo("The database schema is up to date.")


@main.command(help="Write a consistent copy of the database to PATH, while Tessera runs.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    from server.system.backups import BackupError
    from server.system.backups import backup as back_up

    try:
        back_up(_settings().database_url, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {path}.")


@main.command(help="Put the backup at PATH into the database, which must be empty.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def restore(path: Path) -> None:
    from server.system.backups import BackupError
    from server.system.backups import restore as put_back

    try:
        put_back(_settings().database_url, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored from {path}. Start Tessera: it brings the schema up to date. Repeat the erasures "
        "made since the backup was taken (the audit log lists them)."
    )


@main.command("create-user", help="Create an account, such as the first admin.")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option(
    "--platform", "platforms", multiple=True, help="A platform code such as DE; repeat for several."
)
@click.option("--display-name", default=None)
@click.option("--language", default="en", show_default=True)
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
def create_user(
    username: str,
    role: str,
    platforms: tuple[str, ...],
    display_name: str | None,
    language: str,
    password_stdin: bool,
) -> None:
    from server.accounts.service import create_user_from_cli
    from server.db import create_engine, create_sessionmaker, unit_of_work
    from server.db import migrate as migrate_schema
    from server.security import PasswordHasher

    settings = _settings()
    password = sys.stdin.readline().rstrip("\r\n")

    async def run() -> str:
        engine = create_engine(settings.database_url)
        await migrate_schema(engine)
        try:
            async with unit_of_work(create_sessionmaker(engine)) as db:
                user = await create_user_from_cli(
                    db,
                    PasswordHasher(settings),
                    username=username,
                    password=password,
                    role=Role(role),
                    platforms=[code.upper() for code in platforms],
                    display_name=display_name,
                    language=language,
                )
                return str(user.id)
        finally:
            await engine.dispose()

    try:
        user_id = asyncio.run(run())
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {role} {username} ({user_id}).")


@main.group("push-keys", help="The VAPID key this server signs Web Push messages with.")
def push_keys() -> None:
    pass


def _with_db(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from server.db import create_engine, create_sessionmaker, unit_of_work
    from server.db import migrate as migrate_schema

    async def run() -> T:
        engine = create_engine(settings.database_url)
        try:
            await migrate_schema(engine)
            async with unit_of_work(create_sessionmaker(engine)) as db:
                result = await work(db)
                return result
        finally:
            await engine.dispose()

    return asyncio.run(run())


@push_keys.command("show", help="Print the public key browsers subscribe with (made on first use).")
def show_push_key() -> None:
    from server.push.keys import current_vapid, public_key_of

    settings = _settings()

    async def show(db: AsyncSession) -> str:
        return public_key_of(await current_vapid(db, settings))

    click.echo(_with_db(settings, show))
    click.echo(
        "From TESSERA_VAPID_PRIVATE_KEY." if settings.vapid_private_key else "Kept in the database.", err=True
    )


@push_keys.command("rotate", help="Make a new key. Every device must subscribe again.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def rotate_push_key(yes: bool) -> None:
    from server.push.keys import rotate

    settings = _settings()
    if settings.vapid_private_key:
        raise click.ClickException(
            "The key comes from TESSERA_VAPID_PRIVATE_KEY: change that variable instead (and restart)."
        )
    if not yes:
        click.confirm(
            "Push services refuse messages signed with a new key for old subscriptions, so every "
            "subscription is deleted and each device subscribes again when the app next opens. Go on?",
            abort=True,
        )
    public_key, dropped = _with_db(settings, rotate)
    click.echo(public_key)
    click.echo(
        f"New key in use. {dropped} subscription(s) deleted: browsers subscribe again with the new key "
        "when the app next opens; until then they get no push messages.",
        err=True,
    )


@main.group(help="The e-mail outbox: what Tessera sent, and what it keeps while no SMTP server is set.")
def mail() -> None:
    pass


@mail.command("show", help="Print the newest e-mails of the outbox: to, subject, status and text.")
@click.option(
    "--status",
    type=click.Choice(["queued", "sent", "failed", "all"]),
    default="all",
    show_default=True,
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
def show_mail(status: str, limit: int) -> None:
    from server.mail.models import MailStatus
    from server.mail.outbox import BodyState, body_state, messages

    settings = _settings()

    async def read(db: AsyncSession) -> list[str]:
        wanted = None if status == "all" else MailStatus(status)
        return [
            "\n".join(
                [
                    f"To: {message.to_address or '(erased)'}",
                    f"Subject: {message.subject}",
                    f"Status: {message.status.value}"
                    + (f" ({message.last_error})" if message.last_error else ""),
                    f"Queued: {message.created_at.isoformat(timespec='seconds')}",
                    f"Language: {message.language}",
                    *(
                        f"Attachment: {item['filename']} ({item['media_type']})"
                        for item in message.attachments
                    ),
                    "",
                    # What admins may read in the app, and no more: a private link is never shown.
                    message.text.rstrip("\n")
                    if body_state(message) == BodyState.SHOWN
                    else f"(text not shown: {body_state(message).value})",
                ]
            )
            for message in (await messages(db, status=wanted, limit=limit))[0]
        ]

    shown = _with_db(settings, read)
    click.echo(("\n\n" + "-" * 72 + "\n\n").join(shown) if shown else "The outbox is empty.")
    if settings.smtp_url is None:
        click.echo("TESSERA_SMTP_URL is not set: e-mail stays in the outbox and is not sent.", err=True)


@main.group(help="Translations: extract messages, update the catalogues, compile them.")
def i18n() -> None:
    pass


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


@i18n.command(help="Collect every translatable message into locales/messages.pot.")
def extract() -> None:
    extract_messages(ROOT / "locales" / "messages.pot")


def extract_messages(output: Path) -> None:
    """Every message of server/ and pwa/ into a template (the tests compare it with locales/)."""
    keywords = ["N_", "translate:2", "plural_message:1,2"]
    options = [item for keyword in keywords for item in ("-k", keyword)]
    _pybabel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        *options,
        "--no-location",
        "--sort-output",
        "-o",
        str(output),
        str(ROOT),
    )


@i18n.command(help="Merge new messages into every language's catalogue.")
def update() -> None:
    _pybabel(
        "update",
        "-i",
        str(ROOT / "locales" / "messages.pot"),
        "-d",
        str(ROOT / "locales"),
        "--no-wrap",
        "--ignore-obsolete",
        # A guessed translation marked fuzzy is worse than none: translators fill them all.
        "--no-fuzzy-matching",
    )


@i18n.command(help="Compile the catalogues to .mo files (optional: .po files are read directly).")
def compile() -> None:
    _pybabel("compile", "-d", str(ROOT / "locales"), "--statistics")


@i18n.command("init", help="Start a catalogue for a new language, such as `tessera i18n init ku`.")
@click.argument("locale")
def init_locale(locale: str) -> None:
    _pybabel("init", "-i", str(ROOT / "locales" / "messages.pot"), "-d", str(ROOT / "locales"), "-l", locale)


if __name__ == "__main__":
    main()
