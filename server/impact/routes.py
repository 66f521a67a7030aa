"""Routes of the programme's impact: the figures (the contract's "Impact") and, as an extension
of the contract, small charts of them as SVG."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import anyio
from litestar import Request, Response, get
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath, QueryParameter

from server.accounts.models import IMPACT_READERS
from server.briefs import documents
from server.db import Database, utcnow
from server.i18n import N_, message, request_locale
from server.impact import charts, report, service
from server.impact.schemas import Impact
from server.problems import NotAllowed, NotFound, ServiceUnavailable, Throttled, answers
from server.security import current_user, role_in

READERS = role_in(*IMPACT_READERS)
SomePlatform = Annotated[str | None, QueryParameter(pattern=r"^[A-Z]{2,3}$")]
# Figures change with every note sent: never from a cache.
NO_STORE = {"Cache-Control": "no-store"}
OCTET_STREAM = "application/octet-stream"


def _binary(description: str, media_type: str) -> OpenAPIResponse:
    # Client generators take no image or PDF types: the same bytes come as
    # application/octet-stream to a client that asks for that alone.
    schema = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
    return OpenAPIResponse(
        description=description,
        content={kind: OpenAPIMediaType(schema=schema) for kind in (media_type, OCTET_STREAM)},
    )


@dataclass
class ChartOperation(Operation):
    """The route answers with an SVG image."""

    def __post_init__(self) -> None:
        self.responses = {**(self.responses or {}), "200": _binary("The chart as SVG", charts.SVG_MEDIA_TYPE)}


@dataclass
class ReportOperation(Operation):
    """The route answers with a PDF."""

    def __post_init__(self) -> None:
        self.responses = {
            **(self.responses or {}),
            "200": _binary("The report as PDF", documents.PDF_MEDIA_TYPE),
        }


@answers(NotAllowed, NotFound)
@get(
    "/api/v1/impact",
    guards=[READERS],
    summary="The programme's figures, live, per platform of mine and in total",
)
async def read_impact(request: Request, db: Database, platform: SomePlatform = None) -> Response[Impact]:
    figures = await service.impact(db, current_user(request), platform)
    return Response(figures, headers=NO_STORE)


@answers(NotAllowed, NotFound)
@get(
    "/api/v1/impact/charts/{chart:str}",
    guards=[READERS],
    operation_class=ChartOperation,
    summary=(
        "A chart of the figures as SVG: platforms.svg, stakeholders-by-sector.svg, "
        "stakeholders-by-level.svg, over-time.svg"
    ),
)
async def impact_chart(
    request: Request, db: Database, chart: FromPath[str], platform: SomePlatform = None
) -> Response[bytes]:
    locale = request_locale(request)
    # Drawing takes milliseconds of CPU: off the event loop, which serves everyone else.
    if chart == charts.OVER_TIME:
        monthly = await service.over_time(db, current_user(request), platform, now=utcnow())
        svg = await anyio.to_thread.run_sync(charts.over_time, monthly, locale)
    elif (draw := charts.CHARTS.get(chart)) is not None:
        figures = await service.impact(db, current_user(request), platform)
        svg = await anyio.to_thread.run_sync(draw, figures, locale)
    else:
        raise NotFound(message(N_("There is no such chart.")))
    media_type = request.accept.best_match([charts.SVG_MEDIA_TYPE, OCTET_STREAM], charts.SVG_MEDIA_TYPE)
    return Response(svg.encode(), media_type=media_type or charts.SVG_MEDIA_TYPE, headers=NO_STORE)


@answers(NotAllowed, NotFound, ServiceUnavailable, Throttled)
@get(
    "/api/v1/impact/report.pdf",
    guards=[READERS],
    operation_class=ReportOperation,
    summary="The figures and charts as a printable PDF report, in the reader's language and direction",
)
async def impact_report(request: Request, db: Database, platform: SomePlatform = None) -> Response[bytes]:
    user = current_user(request)
    figures = await service.impact(db, user, platform)
    monthly = await service.over_time(db, user, platform, now=utcnow())
    if platform is None and len(figures.platforms) == 1:
        # Someone of one platform reads that platform's report, named after it.
        platform = figures.platforms[0].code
    locale = request_locale(request)
    # Drawing the charts and the page is CPU work: off the event loop, and the PDF in its process.
    html = await anyio.to_thread.run_sync(
        lambda: report.report_html(figures, monthly, locale, platform=platform, counted_at=utcnow())
    )
    pdf = await documents.render_pdf(html, asked_by=str(user.id))
    media_type = request.accept.best_match([documents.PDF_MEDIA_TYPE, OCTET_STREAM], documents.PDF_MEDIA_TYPE)
    name = f"impact-{(platform or 'all').lower()}-{utcnow():%Y-%m-%d}.pdf"
    return Response(
        pdf,
        media_type=media_type or documents.PDF_MEDIA_TYPE,
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


routes = [read_impact, impact_chart, impact_report]
