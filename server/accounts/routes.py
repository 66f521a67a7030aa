"""Account routes: thin handlers that parse, call the account rules, and answer."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Literal

import msgspec
from litestar import Request, Response, delete, get, patch, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from server.accounts import service
from server.accounts.consent import CONSENT_PARAGRAPHS, CONSENT_TITLE, CONSENT_VERSION, GUARDIAN_NOTE
from server.accounts.models import (
    INVITERS,
    MAY_KEEP_EMAIL,
    MODERATORS,
    RESEARCHERS,
    AccountStatus,
    Role,
    User,
)
from server.accounts.schemas import (
    ConsentEventOut,
    ConsentHistoryOut,
    ConsentIn,
    ConsentTextOut,
    EmailConfirmationIn,
    ErasureIn,
    InviteIn,
    InviteInfo,
    InviteOut,
    InvitePage,
    LoginIn,
    LoginOut,
    MeOut,
    MePatch,
    PasswordChangeIn,
    PasswordResetIn,
    PasswordResetRequestIn,
    PersonalData,
    RegisterIn,
    RegisterOut,
    ResetCodeIn,
    ResetCodeOut,
    SessionOut,
    TokenCreated,
    TokenIn,
    TokenInfo,
    TokenList,
    UserAdminOut,
    UserAdminPatch,
    UserOut,
    UserPage,
)
from server.audit.schemas import AuditEventOut
from server.audit.service import record_event
from server.db import Database, after_commit
from server.events import service as events
from server.forum import service as forum
from server.forum.schemas import BlockedMember
from server.i18n import request_locale, translate
from server.notes import service as notes
from server.notes.schemas import NoteOut
from server.notifications import service as notifications
from server.notifications.schemas import NotificationOut
from server.pagination import MAX_LIMIT
from server.problems import (
    AccountSuspended,
    InviteExpired,
    InviteUsedUp,
    LastAdmin,
    NotAllowed,
    NotFound,
    NotSignedIn,
    Throttled,
    UsernameTaken,
    WrongCredentials,
    answers,
)
from server.push import service as push
from server.push.schemas import StoredSubscriptionOut
from server.security import (
    SESSION_COOKIE,
    Credential,
    Sessions,
    client_address,
    current_user,
    role_in,
    signed_in,
)
from server.settings import Settings


async def consent_history_out(db: Database, user: User) -> ConsentHistoryOut:
    history = await service.consent_history(db, user)
    events = [ConsentEventOut.from_model(event) for event in history]
    return ConsentHistoryOut(CONSENT_VERSION, service.has_consent(history), events)


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
@answers(WrongCredentials, AccountSuspended, Throttled)
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
        LoginOut(UserOut.from_model(user, user.language), record.csrf_token),
        cookies=[_session_cookie(session_id, settings, settings.session_absolute_hours * 3600)],
    )


@answers()
@post("/api/v1/auth/logout", guards=[signed_in], status_code=HTTP_204_NO_CONTENT, summary="Sign out")
async def logout(request: Request, db: Database, settings: NamedDependency[Settings]) -> Response[None]:
    credential: Credential = request.auth
    if credential.session_id:
        await request.app.state.sessions.end(credential.session_id)
    record_event(db, "logout", actor_id=current_user(request).id, client_address=client_address(request))
    return _ended_session_response(settings)


@answers()
@get("/api/v1/auth/session", summary="My session: who I am and its CSRF token; nobody: {user: null}")
async def read_session(request: Request) -> Response[SessionOut]:
    """Lets the app recover its CSRF token after a reload: it keeps the token in memory only.

    Only a same-origin page can read this answer, which is what the synchronizer token needs.
    A personal API token has no session, hence no token to recover: a 401 as before.
    """
    credential: Credential | None = request.auth
    if credential is not None and credential.session_id is None:
        raise NotSignedIn()
    session_id = credential.session_id if credential else None
    record = await request.app.state.sessions.load(session_id) if session_id else None
    answer = SessionOut(None)
    if record is not None:
        answer = SessionOut(
            UserOut.from_model(current_user(request), request_locale(request)), record.csrf_token
        )
    return Response(answer, headers={"Cache-Control": "no-store"})


@answers(NotAllowed, Throttled)
@post(
    "/api/v1/invites",
    guards=[role_in(*INVITERS)],
    status_code=HTTP_201_CREATED,
    summary="Invite people to a platform",
)
async def create_invite(
    request: Request,
    data: JSONBody[InviteIn],
    db: Database,
    settings: NamedDependency[Settings],
    account_services: NamedDependency[service.Services],
) -> InviteOut:
    if data.email is not None:
        # E-mail sent in Tessera's name to any address: limited per inviter.
        await account_services.mail_throttle.count_invitation(current_user(request).id)
    invite, code = await service.create_invite(db, current_user(request), data, settings.public_url)
    return InviteOut.from_model(invite, code, settings.public_url)


@answers()
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


@answers(InviteExpired, InviteUsedUp, UsernameTaken, Throttled)
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
    return RegisterOut(UserOut.from_model(user, user.language))


@answers()
@get("/api/v1/me", guards=[signed_in], summary="My profile")
async def read_me(request: Request) -> MeOut:
    return MeOut.of(current_user(request), request_locale(request))


@answers(Throttled)
@patch(
    "/api/v1/me",
    guards=[signed_in],
    summary="Change my display name, language or e-mail address (a new address is confirmed first)",
)
async def update_me(
    request: Request,
    data: JSONBody[MePatch],
    db: Database,
    account_services: NamedDependency[service.Services],
    settings: NamedDependency[Settings],
) -> MeOut:
    if data.email:
        # Giving an address (removing one needs nothing) asks for the password, checked before
        # the request's unit of work reads or writes anything.
        await service.confirm_password(
            account_services,
            current_user(request),
            "" if isinstance(data.current_password, msgspec.UnsetType) else data.current_password,
            client_address(request),
            field="current_password",
        )
    user = await service.update_profile(
        db,
        current_user(request),
        display_name=None if data.display_name is msgspec.UNSET else data.display_name,
        language=None if data.language is msgspec.UNSET else data.language,
    )
    if not isinstance(data.email, msgspec.UnsetType):
        user = await service.change_email(db, account_services, user, data.email, settings.public_url)
    request.scope["state"]["locale"] = user.language
    return MeOut.of(user, user.language)


@answers(Throttled)
@post(
    "/api/v1/me/email-confirmation",
    guards=[role_in(*MAY_KEEP_EMAIL)],
    status_code=HTTP_200_OK,
    summary="Confirm my new e-mail address with the code sent to it",
)
async def confirm_my_email(
    request: Request,
    data: JSONBody[EmailConfirmationIn],
    db: Database,
    account_services: NamedDependency[service.Services],
) -> MeOut:
    user = await service.confirm_email(db, account_services, current_user(request), data.code)
    return MeOut.of(user, request_locale(request))


@answers()
@get("/api/v1/me/data", guards=[signed_in], summary="Everything Tessera stores about me")
async def export_my_data(request: Request, db: Database, settings: NamedDependency[Settings]) -> PersonalData:
    user = current_user(request)
    locale = request_locale(request)
    authored = await notes.notes_of(db, user)
    reviews = await notes.reviews_of(db, [note.id for note in authored])
    return PersonalData(
        profile=UserOut.from_model(user),
        birth_year=user.birth_year,
        created_at=user.created_at,
        consent=[ConsentEventOut.from_model(event) for event in await service.consent_history(db, user)],
        api_tokens=[TokenInfo.from_model(token) for token in await service.list_tokens(db, user)],
        invites_created=[
            InviteOut.from_model(invite, "", settings.public_url)
            for invite in await service.invites_created_by(db, user)
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
        notes=[NoteOut.from_model(note, reviews[note.id], user) for note in authored],
        notifications=[
            NotificationOut.from_model(row, notifications.title(row.event, row.params).render(locale))
            for row in await notifications.notifications_of(db, user)
        ],
        forum_blocks=[
            BlockedMember(user_id, name, at) for user_id, name, at in await forum.list_blocks(db, user)
        ],
        push_subscriptions=[
            StoredSubscriptionOut.from_model(subscription)
            for subscription in await push.subscriptions_of(db, user)
        ],
        event_registrations=[
            {
                "event_id": event.id,
                "event_title": event.title,
                "name": registration.name,
                "email": registration.email,
                "organisation": registration.organisation,
                "country": registration.country,
                "needs": registration.needs,
                "status": registration.status,
                "attended": registration.attended_at is not None,
                "created_at": registration.created_at,
            }
            for registration, event in await events.registrations_of(db, user)
        ],
        forum_reactions=[
            {"post_id": r.post_id, "kind": r.kind, "created_at": r.created_at, "withdrawn_at": r.withdrawn_at}
            for r in await forum.reactions_by(db, user)
        ],
        forum_topics_read=[
            {"topic_id": read.topic_id, "read_up_to": read.read_up_to}
            for read in await forum.topics_read_by(db, user)
        ],
        email=user.email,
        pending_email=user.pending_email,
    )


@answers()
@get("/api/v1/me/consent", guards=[signed_in], summary="My consent history")
async def read_my_consent(request: Request, db: Database) -> ConsentHistoryOut:
    return await consent_history_out(db, current_user(request))


@answers()
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


@answers(LastAdmin, Throttled)
@delete(
    "/api/v1/me",
    guards=[signed_in],
    status_code=HTTP_204_NO_CONTENT,
    summary="Erase my account (confirmed with my password)",
)
async def erase_me(
    request: Request,
    data: JSONBody[ErasureIn],
    db: Database,
    account_services: NamedDependency[service.Services],
    settings: NamedDependency[Settings],
) -> Response[None]:
    credential: Credential = request.auth
    await service.erase(
        db,
        account_services,
        current_user(request),
        data.password,
        client_address(request),
        data.approved_notes,
    )
    # Once the erasure is stored: the session ends, and the write-ahead log forgets the person.
    if credential.session_id:
        after_commit(db, partial(request.app.state.sessions.end, credential.session_id))
    after_commit(db, request.app.state.after_erasure)
    return _ended_session_response(settings)


@answers(Throttled)
@post(
    "/api/v1/me/password",
    guards=[signed_in],
    status_code=HTTP_204_NO_CONTENT,
    summary="Change my password; my other sessions end",
)
async def change_my_password(
    request: Request,
    data: JSONBody[PasswordChangeIn],
    db: Database,
    account_services: NamedDependency[service.Services],
    settings: NamedDependency[Settings],
) -> Response[None]:
    credential: Credential = request.auth
    user = await service.change_password(
        db,
        account_services,
        current_user(request),
        data.current_password,
        data.new_password,
        client_address(request),
    )
    sessions: Sessions = request.app.state.sessions
    if credential.session_id is None or await sessions.load(credential.session_id) is None:
        return _ended_session_response(settings)
    # Renewed once the new epoch is stored: before, this session's other requests would find
    # the store and the database disagreeing, and be signed out.
    new_session_id = sessions.new_session_id()
    after_commit(db, partial(sessions.renew, credential.session_id, user, new_session_id))
    return Response(
        None,
        status_code=HTTP_204_NO_CONTENT,
        cookies=[_session_cookie(new_session_id, settings, settings.session_absolute_hours * 3600)],
    )


@answers(NotAllowed, NotFound, Throttled)
@post(
    "/api/v1/password-reset-codes",
    guards=[role_in(*MODERATORS)],
    status_code=HTTP_201_CREATED,
    summary="Make a one-time code that resets a person's password (shown once, valid 30 minutes)",
)
async def create_reset_code(request: Request, data: JSONBody[ResetCodeIn], db: Database) -> ResetCodeOut:
    person, reset, code = await service.create_reset_code(db, current_user(request), data.username)
    return ResetCodeOut(person.username or "", code, reset.expires_at)


# Whoever forgot their password has no session, so a stale cookie must not stand in the way.
@answers(Throttled)
@post(
    "/api/v1/auth/password-reset-request",
    exclude_from_auth=True,
    status_code=HTTP_202_ACCEPTED,
    summary="E-mail a password reset code to the account with this address, if there is one",
)
async def request_password_reset(
    request: Request,
    data: JSONBody[PasswordResetRequestIn],
    db: Database,
    account_services: NamedDependency[service.Services],
    settings: NamedDependency[Settings],
) -> Response[bytes]:
    """An extension of the contract. The answer is the same whether or not an account has the
    address: nobody finds out from here who has an account."""
    await service.request_password_reset(
        db, account_services, data.email, client_address(request), settings.public_url
    )
    return Response(b"", status_code=HTTP_202_ACCEPTED)


@answers(Throttled)
@post(
    "/api/v1/auth/password-reset",
    exclude_from_auth=True,
    status_code=HTTP_204_NO_CONTENT,
    summary="Choose a new password with a code from a youth worker; every session ends",
)
async def reset_password(
    request: Request,
    data: JSONBody[PasswordResetIn],
    db: Database,
    account_services: NamedDependency[service.Services],
    settings: NamedDependency[Settings],
) -> Response[None]:
    await service.reset_password(
        db, account_services, data.username, data.code, data.new_password, client_address(request)
    )
    # Any session this browser had ends; the phone's storage stays, since on a shared phone it
    # may hold another person's notes not sent yet.
    return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=[_session_cookie("", settings, max_age=0)])


@answers(NotAllowed, NotFound, LastAdmin)
@patch(
    "/api/v1/users/{user_id:uuid}",
    guards=[role_in(Role.ADMIN)],
    summary="Change a person's role or platforms",
)
async def change_user(
    request: Request, user_id: FromPath[uuid.UUID], data: JSONBody[UserAdminPatch], db: Database
) -> UserOut:
    user = await service.change_role(db, current_user(request), user_id, data)
    return UserOut.from_model(user, request_locale(request))


@answers(NotAllowed)
@get("/api/v1/users", guards=[role_in(Role.ADMIN)], summary="People's accounts, newest first (admins)")
async def list_users(
    db: Database,
    q: Annotated[str | None, QueryParameter(max_length=64)] = None,
    role: FromQuery[Role | None] = None,
    platform: Annotated[str | None, QueryParameter(max_length=8)] = None,
    status: FromQuery[Literal["active", "suspended"] | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 30,
) -> UserPage:
    users, next_cursor = await service.list_users(
        db,
        q=q.strip() if q else None,
        role=role,
        platform=platform,
        status=AccountStatus(status) if status else None,
        cursor=cursor,
        limit=limit,
    )
    return UserPage([UserAdminOut.from_model(user) for user in users], next_cursor)


@answers(NotAllowed)
@get("/api/v1/invites", guards=[role_in(*INVITERS)], summary="The invites I may revoke, newest first")
async def list_invites(
    request: Request,
    db: Database,
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 30,
) -> InvitePage:
    reader = current_user(request)
    invites, next_cursor = await service.list_invites(db, reader, cursor=cursor, limit=limit)
    return InvitePage([InviteInfo.from_model(invite, reader) for invite in invites], next_cursor)


@answers(NotAllowed, NotFound)
@delete(
    "/api/v1/invites/{invite_id:uuid}",
    guards=[role_in(*INVITERS)],
    status_code=HTTP_204_NO_CONTENT,
    summary="Revoke an invite: it stops working at once; who joined with it stays",
)
async def revoke_invite(request: Request, invite_id: FromPath[uuid.UUID], db: Database) -> None:
    await service.revoke_invite(db, current_user(request), invite_id)


@answers(NotAllowed)
@post(
    "/api/v1/tokens",
    guards=[role_in(*RESEARCHERS)],
    status_code=HTTP_201_CREATED,
    summary="Create a personal API token (shown once; it can only read)",
)
async def create_token(
    request: Request, data: JSONBody[TokenIn], db: Database, settings: NamedDependency[Settings]
) -> TokenCreated:
    api_token, token = await service.create_token(
        db, current_user(request), data.name, data.expires_in_days, settings.api_token_max_days
    )
    return TokenCreated(api_token.id, api_token.name, token, api_token.expires_at)


@answers(NotAllowed)
@get("/api/v1/tokens", guards=[role_in(*RESEARCHERS)], summary="My personal API tokens")
async def list_tokens(request: Request, db: Database) -> TokenList:
    return TokenList(
        [TokenInfo.from_model(token) for token in await service.list_tokens(db, current_user(request))]
    )


@answers(NotAllowed, NotFound)
@delete(
    "/api/v1/tokens/{token_id:uuid}",
    guards=[role_in(*RESEARCHERS)],
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
    confirm_my_email,
    export_my_data,
    read_my_consent,
    change_my_consent,
    erase_me,
    change_my_password,
    create_reset_code,
    request_password_reset,
    reset_password,
    change_user,
    list_users,
    list_invites,
    revoke_invite,
    create_token,
    list_tokens,
    revoke_token,
]
