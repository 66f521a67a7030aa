"""Routes of policy briefs: the briefs and their versions, co-authors, evidence, review and
publishing, documents to download, and the public page of a published brief."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Literal

import anyio.to_thread
import sqlalchemy as sa
from litestar import Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts.models import RESEARCHERS, Role
from server.briefs import documents, service
from server.briefs.models import Brief
from server.briefs.schemas import (
    AuthorIn,
    BriefIn,
    BriefOut,
    BriefPage,
    BriefProblem,
    BriefPut,
    BriefReviewIn,
    BriefReviewRequestIn,
    BriefVersionOut,
    EvidenceIn,
    EvidenceOut,
    PublicBriefPage,
    PublishedOut,
    Recommendation,
    Section,
    TranslationIn,
    TranslationOut,
)
from server.db import Database
from server.i18n import request_locale
from server.pagination import MAX_LIMIT
from server.platforms.models import Platform
from server.problems import (
    BriefConflict,
    BriefNotReviewed,
    NotAllowed,
    NotFound,
    OriginalNotPublished,
    Problem,
    ServiceUnavailable,
    TesseraError,
    Throttled,
    answers,
)
from server.security import current_user, role_in
from server.settings import Settings

WRITERS = role_in(*RESEARCHERS)
# Stakeholders read the published briefs of their platforms.
READERS = role_in(*RESEARCHERS, Role.STAKEHOLDER)
SomePlatform = Annotated[str | None, QueryParameter(pattern=r"^[A-Z]{2,3}$")]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]
NO_STORE = {"Cache-Control": "no-store"}
OCTET_STREAM = "application/octet-stream"
SLUG = re.compile(r"^[a-z0-9-]{1,80}$")
CONFLICT_BODY: dict[type[TesseraError], type[Problem]] = {BriefConflict: BriefProblem}


@dataclass
class DocumentOperation(Operation):
    """The route answers with a PDF or a DOCX file; Litestar would describe it as JSON."""

    def __post_init__(self) -> None:
        # Client generators take neither type: the same bytes come as application/octet-stream
        # to a client that asks for that alone.
        self.responses = {
            **(self.responses or {}),
            "200": OpenAPIResponse(
                description="The brief as a PDF or a Word document",
                content={
                    media_type: OpenAPIMediaType(
                        schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                    )
                    for media_type in (documents.PDF_MEDIA_TYPE, documents.DOCX_MEDIA_TYPE, OCTET_STREAM)
                },
            ),
        }


@answers(NotAllowed)
@get("/api/v1/briefs", guards=[READERS], summary="Policy briefs of my platforms, newest first")
async def list_briefs(
    request: Request,
    db: Database,
    settings: NamedDependency[Settings],
    platform: SomePlatform = None,
    cursor: FromQuery[str | None] = None,
    limit: Limit = 50,
) -> BriefPage:
    briefs, next_cursor = await service.list_briefs(
        db, current_user(request), platform=platform, cursor=cursor, limit=limit
    )
    platforms = await service.platforms_of(db, briefs)
    translated = await service.translated_of(db, [brief.id for brief in briefs])
    return BriefPage(
        [
            service.summary_of(brief, platforms[brief.id], settings.public_url, translated.get(brief.id))
            for brief in briefs
        ],
        next_cursor,
    )


@answers(NotAllowed)
@post("/api/v1/briefs", guards=[WRITERS], status_code=HTTP_201_CREATED, summary="Start a policy brief")
async def create_brief(
    request: Request, db: Database, settings: NamedDependency[Settings], data: JSONBody[BriefIn]
) -> BriefOut:
    user = current_user(request)
    access = await service.create_brief(db, user, data)
    return await service.describe(db, user, access, settings.public_url)


@answers(NotAllowed)
@get("/api/v1/briefs/{brief_id:uuid}", guards=[READERS], summary="A policy brief with its evidence")
async def read_brief(
    request: Request, db: Database, settings: NamedDependency[Settings], brief_id: FromPath[uuid.UUID]
) -> BriefOut:
    user = current_user(request)
    access = await service.readable_brief(db, user, brief_id)
    return await service.describe(db, user, access, settings.public_url)


@answers(NotAllowed, BriefConflict, bodies=CONFLICT_BODY)
@put(
    "/api/v1/briefs/{brief_id:uuid}",
    guards=[WRITERS],
    summary="Save the brief's words as a new version (409 with the stored brief when base_version is stale)",
)
async def update_brief(
    request: Request,
    db: Database,
    settings: NamedDependency[Settings],
    brief_id: FromPath[uuid.UUID],
    data: JSONBody[BriefPut],
) -> BriefOut:
    user = current_user(request)
    access = await service.update_brief(db, user, brief_id, data)
    return await service.describe(db, user, access, settings.public_url)


@answers(NotAllowed)
@get(
    "/api/v1/briefs/{brief_id:uuid}/versions",
    guards=[WRITERS],
    summary="Every saved version of the brief, newest first (an extension of the contract)",
)
async def list_versions(
    request: Request, db: Database, brief_id: FromPath[uuid.UUID]
) -> list[BriefVersionOut]:
    kept = await service.versions(db, current_user(request), brief_id)
    return [
        BriefVersionOut(
            version=item.version,
            title=item.title,
            summary=item.summary,
            sections=[Section(**section) for section in item.sections],
            recommendations=[Recommendation(**recommendation) for recommendation in item.recommendations],
            saved_at=item.saved_at,
        )
        for item in kept
    ]


@answers(NotAllowed)
@post(
    "/api/v1/briefs/{brief_id:uuid}/authors",
    guards=[WRITERS],
    status_code=HTTP_200_OK,
    summary="Make a researcher of the brief's platforms a co-author (an extension of the contract)",
)
async def add_author(
    request: Request,
    db: Database,
    settings: NamedDependency[Settings],
    brief_id: FromPath[uuid.UUID],
    data: JSONBody[AuthorIn],
) -> BriefOut:
    user = current_user(request)
    access = await service.add_author(db, user, brief_id, data.user_id)
    return await service.describe(db, user, access, settings.public_url)


@answers(NotAllowed)
@post(
    "/api/v1/briefs/{brief_id:uuid}/evidence",
    guards=[WRITERS],
    status_code=HTTP_201_CREATED,
    summary="Quote a note or an event outcome in the brief: redacted, its author a pseudonym",
)
async def add_evidence(
    request: Request, db: Database, brief_id: FromPath[uuid.UUID], data: JSONBody[EvidenceIn]
) -> EvidenceOut:
    item = await service.add_evidence(db, current_user(request), brief_id, data)
    return service.evidence_out(item)


@answers(NotAllowed)
@delete(
    "/api/v1/briefs/{brief_id:uuid}/evidence/{evidence_id:uuid}",
    guards=[WRITERS],
    status_code=HTTP_204_NO_CONTENT,
    summary="Take a quote out of the brief (an extension of the contract)",
)
async def remove_evidence(
    request: Request, db: Database, brief_id: FromPath[uuid.UUID], evidence_id: FromPath[uuid.UUID]
) -> None:
    await service.remove_evidence(db, current_user(request), brief_id, evidence_id)


@answers(NotAllowed, BriefConflict, bodies=CONFLICT_BODY)
@post(
    "/api/v1/briefs/{brief_id:uuid}/review",
    guards=[WRITERS],
    status_code=HTTP_200_OK,
    summary="Approve the brief's version for publishing, as a researcher who is not an author (an extension)",
)
async def review_brief(
    request: Request,
    db: Database,
    settings: NamedDependency[Settings],
    brief_id: FromPath[uuid.UUID],
    data: JSONBody[BriefReviewIn],
) -> BriefOut:
    user = current_user(request)
    access = await service.approve(db, user, brief_id, data.version)
    return await service.describe(db, user, access, settings.public_url)


@answers(NotAllowed, BriefNotReviewed, OriginalNotPublished)
@post(
    "/api/v1/briefs/{brief_id:uuid}/publish",
    guards=[WRITERS],
    status_code=HTTP_200_OK,
    summary="Publish the approved version on the brief's public page",
)
async def publish_brief(
    request: Request, db: Database, settings: NamedDependency[Settings], brief_id: FromPath[uuid.UUID]
) -> PublishedOut:
    brief = await service.publish(db, current_user(request), brief_id)
    return PublishedOut(url=service.public_url(settings.public_url, brief) or "")


@answers(NotAllowed)
@post(
    "/api/v1/briefs/{brief_id:uuid}/unpublish",
    guards=[WRITERS],
    status_code=HTTP_200_OK,
    summary="Take the brief off its public page, which then answers 410 (an extension of the contract)",
)
async def unpublish_brief(
    request: Request, db: Database, settings: NamedDependency[Settings], brief_id: FromPath[uuid.UUID]
) -> BriefOut:
    user = current_user(request)
    access = await service.unpublish(db, user, brief_id)
    return await service.describe(db, user, access, settings.public_url)


@answers(NotAllowed, BriefConflict, bodies=CONFLICT_BODY)
@post(
    "/api/v1/briefs/{brief_id:uuid}/review-request",
    guards=[WRITERS],
    status_code=HTTP_200_OK,
    summary="Ask a researcher who is not an author to review this version (an extension of the contract)",
)
async def request_review(
    request: Request,
    db: Database,
    settings: NamedDependency[Settings],
    brief_id: FromPath[uuid.UUID],
    data: JSONBody[BriefReviewRequestIn],
) -> BriefOut:
    user = current_user(request)
    access = await service.request_review(db, user, brief_id, data.version)
    return await service.describe(db, user, access, settings.public_url)


@answers(NotAllowed)
@post(
    "/api/v1/briefs/{brief_id:uuid}/translations",
    guards=[WRITERS],
    status_code=HTTP_201_CREATED,
    summary="Start a translation of the brief into another language (an extension of the contract)",
)
async def create_translation(
    request: Request,
    db: Database,
    settings: NamedDependency[Settings],
    brief_id: FromPath[uuid.UUID],
    data: JSONBody[TranslationIn],
) -> Response[BriefOut]:
    user = current_user(request)
    access, made = await service.create_translation(db, user, brief_id, data)
    described = await service.describe(db, user, access, settings.public_url)
    return Response(described, status_code=HTTP_201_CREATED if made else HTTP_200_OK)


@answers(NotAllowed)
@get(
    "/api/v1/briefs/{brief_id:uuid}/translations",
    guards=[READERS],
    summary="The brief's translations, each flagged when the original changed since (an extension)",
)
async def list_translations(
    request: Request, db: Database, settings: NamedDependency[Settings], brief_id: FromPath[uuid.UUID]
) -> list[TranslationOut]:
    return await service.translations(db, current_user(request), brief_id, settings.public_url)


@answers()
@get(
    "/api/v1/briefs/published",
    exclude_from_auth=True,
    summary="Published briefs, network-wide or of one platform, for anyone (an extension of the contract)",
)
async def list_published(
    db: Database,
    settings: NamedDependency[Settings],
    platform: SomePlatform = None,
    cursor: FromQuery[str | None] = None,
    limit: Limit = 50,
) -> PublicBriefPage:
    items, next_cursor = await service.published_page(
        db, settings.public_url, platform=platform, cursor=cursor, limit=limit
    )
    return PublicBriefPage(items, next_cursor)


async def _document_of(db: Database, brief: Brief, *, published: bool) -> documents.BriefDocument:
    words = await service.words_of(db, brief, published=published)
    return documents.BriefDocument(
        title=words.title,
        summary=words.summary,
        sections=[(section.heading, section.body) for section in words.sections],
        recommendations=[recommendation.text for recommendation in words.recommendations],
        evidence=[
            documents.Quote(item.kind, item.excerpt, item.attribution)
            for item in await service.evidence_of(
                db, brief.id, published_at=brief.published_at if published else None
            )
        ],
        language=brief.language,
        published=documents.published_on(brief.published_at, brief.language)
        if published and brief.published_at
        else None,
    )


@answers(NotAllowed, ServiceUnavailable, Throttled)
@get(
    "/api/v1/briefs/{brief_id:uuid}/document",
    guards=[READERS],
    operation_class=DocumentOperation,
    summary="The brief as a PDF or a Word document, in its language and direction",
)
async def brief_document(
    request: Request,
    db: Database,
    brief_id: FromPath[uuid.UUID],
    format: FromQuery[Literal["pdf", "docx"]],
) -> Response[bytes]:
    user = current_user(request)
    access = await service.readable_brief(db, user, brief_id)
    document = await _document_of(db, access.brief, published=service.shows_published_only(user, access))
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="brief-{brief_id}.{format}"'}
    if format == "pdf":
        body, media_type = (
            await documents.render_pdf(documents.page_html(document), asked_by=str(user.id)),
            documents.PDF_MEDIA_TYPE,
        )
    else:
        # Lighter than a PDF, but a long brief is still tens of milliseconds of work: off the loop.
        body, media_type = (
            await anyio.to_thread.run_sync(documents.docx_bytes, document),
            documents.DOCX_MEDIA_TYPE,
        )
    wanted = request.accept.best_match([media_type, OCTET_STREAM], media_type)
    return Response(body, media_type=wanted or media_type, headers=headers)


@get(
    "/briefs/{slug:str}",
    exclude_from_auth=True,
    include_in_schema=False,
    summary="The public page of a published brief",
)
async def public_page(
    db: Database, settings: NamedDependency[Settings], slug: FromPath[str]
) -> Response[str]:
    if not SLUG.match(slug):
        raise NotFound()
    brief = await service.published_brief(db, slug)
    document = await _document_of(db, brief, published=True)
    return Response(
        documents.page_html(document, service.public_url(settings.public_url, brief)),
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": documents.PAGE_SECURITY_POLICY,
            # A quote whose author withdraws consent leaves at once: nobody keeps a copy.
            "Cache-Control": "no-cache",
            "Content-Language": brief.language,
        },
    )


@get(
    "/briefs",
    exclude_from_auth=True,
    include_in_schema=False,
    summary="The public list of published briefs, network-wide or of one platform",
)
async def public_list(
    request: Request,
    db: Database,
    settings: NamedDependency[Settings],
    platform: SomePlatform = None,
    cursor: FromQuery[str | None] = None,
) -> Response[str]:
    items, next_cursor = await service.published_page(
        db, settings.public_url, platform=platform, cursor=cursor, limit=MAX_LIMIT
    )
    codes = list(await db.scalars(sa.select(Platform.code).order_by(Platform.code)))
    listing = documents.Listing(
        items=[
            documents.Listed(item.title, item.language, item.platforms, item.url, item.published_at)
            for item in items
        ],
        platforms=codes,
        platform=platform,
        next_cursor=next_cursor,
        locale=request_locale(request),
    )
    return Response(
        documents.list_html(listing),
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": documents.PAGE_SECURITY_POLICY,
            "Cache-Control": "no-cache",
            "Content-Language": listing.locale,
            "Vary": "Accept-Language, Cookie",
        },
    )


routes = [
    list_briefs,
    create_brief,
    read_brief,
    update_brief,
    list_versions,
    add_author,
    add_evidence,
    remove_evidence,
    review_brief,
    publish_brief,
    unpublish_brief,
    request_review,
    create_translation,
    list_translations,
    list_published,
    brief_document,
    public_list,
    public_page,
]
