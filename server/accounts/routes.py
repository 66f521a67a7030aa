"""Account routes: thin handlers that parse, call the account rules, and answer."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Request, Response, delete, get, patch, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts import service
from server.accounts.consent import CONSENT_PARAGRAPHS, CONSENT_TITLE, CONSENT_VERSION, GUARDIAN_NOTE
from server.accounts.models import ApiToken, ConsentEvent, Invite, User
from server.accounts.schemas import (
    ConsentEventOut,
    ConsentHistoryOut,
    ConsentIn,
    ConsentTextOut,
    InviteIn,
    InviteOut,
    LoginIn,
    LoginOut,
    MePatch,
    PersonalData,
    RegisterIn,
    RegisterOut,
    TokenCreated,
    TokenIn,
    TokenInfo,
    TokenList,
    UserAdminPatch,
    UserOut,
)
from server.audit.schemas import AuditEventOut
from server.audit.service import record_event
from server.db import Database
from server.forum import service as forum
from server.i18n import N_, request_locale, translate
from server.problems import NotSignedIn
from server.security import SESSION_COOKIE, Credential, client_address, current_user, role_in, signed_in
from server.settings import Settings

FORMER_MEMBER = N_("former member")


def user_out(user: User, locale: str = "en") -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username or translate(locale, FORMER_MEMBER),
        display_name=user.display_name or user.username or translate(locale, FORMER_MEMBER),
        role=user.role,  # type: ignore[arg-type]
        platforms=user.platform_codes,
        language=user.language,
    )


def consent_event_out(event: ConsentEvent) -> ConsentEventOut:
    return ConsentEventOut(
        event.version, event.locale, event.accepted, event.guardian_name, event.recorded_at
    )


async def consent_history_out(db: Database, user: User) -> ConsentHistoryOut:
    history = await service.consent_history(db, user)
    events = [consent_event_out(event) for event in history]
    return ConsentHistoryOut(CONSENT_VERSION, service.has_consent(history), events)


def token_info(token: ApiToken) -> TokenInfo:
    return TokenInfo(
        token.id, token.name, token.created_at, token.expires_at, token.revoked_at, token.last_used_at
    )


def invite_out(invite: Invite, code: str, settings: NamedDependency[Settings]) -> InviteOut:
    shown = service.format_invite_code(code) if code else ""
    # The code travels in the fragment: it never reaches a server log or a Referer header.
    url = f"{settings.public_url.rstrip('/')}/#/join/{shown}" if code else ""
    return InviteOut(shown, url, invite.role, invite.platform_code, invite.max_uses, invite.expires_at)  # type: ignore[arg-type]


def _session_cookie(value: str, settings: NamedDependency[Settings], max_age: int) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=max_age,
    )


def _ended_session_response(settings: NamedDependency[Settings]) -> Response[None]:
    # Clear-Site-Data makes the browser drop what a shared phone must not keep for the next person.
    return Response(
        None,
        status_code=HTTP_204_NO_CONTENT,
        cookies=[_session_cookie("", settings, max_age=0)],
        headers={"Clear-Site-Data": '"cache", "cookies", "storage"'},
    )


# Signing in and joining need no session, so a stale cookie (and its CSRF check) must not stand in the way.
@post(
    "/api/v1/auth/login",
    status_code=HTTP_200_OK,
    exclude_from_auth=True,
    summary="Sign in with username and password",
)
async def login(
    request: Request,
    data: JSONBody[LoginIn],
    db: Database,
    account_services: NamedDependency[service.Services],
    settings: NamedDependency[Settings],
) -> Response[LoginOut]:
    address = client_address(request)
    user = await service.authenticate(db, account_services, data.username, data.password, address)
    old_session = request.cookies.get(SESSION_COOKIE)
    if old_session:
        await request.app.state.sessions.end(old_session)
    session_id, record = await request.app.state.sessions.start(user)
    request.scope["state"]["locale"] = user.language
    return Response(
        LoginOut(user_out(user, user.language), record.csrf_token),
        cookies=[_session_cookie(session_id, settings, settings.session_absolute_hours * 3600)],
    )


@post("/api/v1/auth/logout", guards=[signed_in], status_code=HTTP_204_NO_CONTENT, summary="Sign out")
async def logout(request: Request, db: Database, settings: NamedDependency[Settings]) -> Response[None]:
    credential: Credential = request.auth
    if credential.session_id:
        await request.app.state.sessions.end(credential.session_id)
    record_event(db, "logout", actor_id=current_user(request).id, client_address=client_address(request))
    return _ended_session_response(settings)


@get("/api/v1/auth/session", guards=[signed_in], summary="My session: who I am and its CSRF token")
async def read_session(request: Request) -> Response[LoginOut]:
    """Lets the app recover its CSRF token after a reload: it keeps the token in memory only.

    Only a same-origin page can read this answer, which is what the synchronizer token needs.
    """
    credential: Credential = request.auth
    record = await request.app.state.sessions.load(credential.session_id) if credential.session_id else None
    if record is None:
        raise NotSignedIn()
    user = current_user(request)
    return Response(
        LoginOut(user_out(user, request_locale(request)), record.csrf_token),
        headers={"Cache-Control": "no-store"},
    )


@post(
    "/api/v1/invites",
    guards=[role_in("youth_worker", "admin")],
    status_code=HTTP_201_CREATED,
    summary="Invite people to a platform",
)
async def create_invite(
    request: Request, data: JSONBody[InviteIn], db: Database, settings: NamedDependency[Settings]
) -> InviteOut:
    invite, code = await service.create_invite(db, current_user(request), data)
    return invite_out(invite, code, settings)


@get("/api/v1/consent", summary="The current consent text, in the reader's language")
async def current_consent_text(request: Request) -> ConsentTextOut:
    locale = request_locale(request)
    return ConsentTextOut(
        version=CONSENT_VERSION,
        locale=locale,
        title=translate(locale, CONSENT_TITLE),
        paragraphs=[translate(locale, paragraph) for paragraph in CONSENT_PARAGRAPHS],
        guardian_note=translate(locale, GUARDIAN_NOTE),
    )


@post(
    "/api/v1/auth/register",
    status_code=HTTP_201_CREATED,
    exclude_from_auth=True,
    summary="Join with an invite code",
)
async def register(
    request: Request,
    data: JSONBody[RegisterIn],
    db: Database,
    account_services: NamedDependency[service.Services],
) -> RegisterOut:
    user = await service.register(db, account_services, data, client_address(request))
    request.scope["state"]["locale"] = user.language
    return RegisterOut(user_out(user, user.language))


@get("/api/v1/me", guards=[signed_in], summary="My profile")
async def read_me(request: Request) -> UserOut:
    return user_out(current_user(request), request_locale(request))


@patch("/api/v1/me", guards=[signed_in], summary="Change my display name or language")
async def update_me(request: Request, data: JSONBody[MePatch], db: Database) -> UserOut:
    user = await service.update_profile(
        db,
        current_user(request),
        display_name=None if data.display_name is msgspec.UNSET else data.display_name,
        language=None if data.language is msgspec.UNSET else data.language,
    )
    request.scope["state"]["locale"] = user.language
    return user_out(user, user.language)


@get("/api/v1/me/data", guards=[signed_in], summary="Everything Tessera stores about me")
async def export_my_data(request: Request, db: Database, settings: NamedDependency[Settings]) -> PersonalData:
    user = current_user(request)
    return PersonalData(
        profile=user_out(user),
        birth_year=user.birth_year,
        created_at=user.created_at,
        consent=[consent_event_out(event) for event in await service.consent_history(db, user)],
        api_tokens=[token_info(token) for token in await service.list_tokens(db, user)],
        invites_created=[
            invite_out(invite, "", settings) for invite in await service.invites_created_by(db, user)
        ],
        security_events=[
            msgspec.to_builtins(AuditEventOut.from_model(event))
            for event in await service.security_events_of(db, user)
        ],
        forum_posts=[
            {
                "id": post.id,
                "topic_id": post.topic_id,
                "body": post.body,
                "language": post.language,
                "status": post.status,
                "created_at": post.created_at,
            }
            for post in await forum.posts_of(db, user)
        ],
        forum_reports=[
            {"post_id": r.post_id, "reason": r.reason, "comment": r.comment, "created_at": r.created_at}
            for r in await forum.reports_by(db, user)
        ],
    )


@get("/api/v1/me/consent", guards=[signed_in], summary="My consent history")
async def read_my_consent(request: Request, db: Database) -> ConsentHistoryOut:
    return await consent_history_out(db, current_user(request))


@post(
    "/api/v1/me/consent",
    guards=[signed_in],
    status_code=HTTP_201_CREATED,
    summary="Give or withdraw my consent",
)
async def change_my_consent(request: Request, data: JSONBody[ConsentIn], db: Database) -> ConsentHistoryOut:
    user = current_user(request)
    await service.record_consent(db, user, data, request_locale(request))
    await db.flush()
    return await consent_history_out(db, user)


@delete("/api/v1/me", guards=[signed_in], status_code=HTTP_204_NO_CONTENT, summary="Erase my account")
async def erase_me(request: Request, db: Database, settings: NamedDependency[Settings]) -> Response[None]:
    credential: Credential = request.auth
    await service.erase(db, current_user(request))
    await db.commit()
    if credential.session_id:
        await request.app.state.sessions.end(credential.session_id)
    await request.app.state.after_erasure()
    return _ended_session_response(settings)


@patch(
    "/api/v1/users/{user_id:uuid}", guards=[role_in("admin")], summary="Change a person's role or platforms"
)
async def change_user(
    request: Request, user_id: FromPath[uuid.UUID], data: JSONBody[UserAdminPatch], db: Database
) -> UserOut:
    user = await service.change_role(db, current_user(request), user_id, data)
    return user_out(user, request_locale(request))


@post(
    "/api/v1/tokens",
    guards=[role_in("researcher", "admin")],
    status_code=HTTP_201_CREATED,
    summary="Create a personal API token (shown once)",
)
async def create_token(
    request: Request, data: JSONBody[TokenIn], db: Database, settings: NamedDependency[Settings]
) -> TokenCreated:
    api_token, token = await service.create_token(
        db, current_user(request), data.name, data.expires_in_days, settings.api_token_max_days
    )
    return TokenCreated(api_token.id, api_token.name, token, api_token.expires_at)


@get("/api/v1/tokens", guards=[role_in("researcher", "admin")], summary="My personal API tokens")
async def list_tokens(request: Request, db: Database) -> TokenList:
    return TokenList([token_info(token) for token in await service.list_tokens(db, current_user(request))])


@delete(
    "/api/v1/tokens/{token_id:uuid}",
    guards=[role_in("researcher", "admin")],
    status_code=HTTP_204_NO_CONTENT,
    summary="Revoke a personal API token",
)
async def revoke_token(request: Request, token_id: FromPath[uuid.UUID], db: Database) -> None:
    await service.revoke_token(db, current_user(request), token_id)


routes = [
    login,
    logout,
    read_session,
    create_invite,
    current_consent_text,
    register,
    read_me,
    update_me,
    export_my_data,
    read_my_consent,
    change_my_consent,
    erase_me,
    change_user,
    create_token,
    list_tokens,
    revoke_token,
]
