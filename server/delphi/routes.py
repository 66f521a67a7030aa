"""Routes of Delphi studies: studies, statements, panellists, rounds, ballots by private link,
results and their export as CSV or XLSX."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Annotated, Literal

from litestar import Request, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Response, Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts.models import DELPHI_RESULT_READERS, RESEARCHERS
from server.audit.service import record_event
from server.briefs import documents
from server.db import Database, Databases
from server.delphi import report, service
from server.delphi.models import Anonymity, Panellist, Proposal, Round, Statement, Study
from server.delphi.schemas import (
    Ballot,
    BallotIn,
    BallotLink,
    BallotSaved,
    DelphiCreated,
    MyBallot,
    MyBallotRound,
    MyBallots,
    MyBallotStudy,
    PanellistCreated,
    PanellistIn,
    PanellistOut,
    ProposalList,
    ProposalOut,
    RemindersSent,
    Results,
    RoundOpened,
    RoundOut,
    Scale,
    StatementIn,
    StatementOut,
    StudyIn,
    StudyOut,
    StudyPage,
    StudyPatch,
    StudySummary,
)
from server.exports import formats
from server.pagination import MAX_LIMIT
from server.problems import (
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    ServiceUnavailable,
    Throttled,
    answers,
)
from server.security import current_user, role_in, signed_in
from server.settings import Settings
from server.wire import Language

FACILITATORS = role_in(*RESEARCHERS)
RESULT_READERS = role_in(*DELPHI_RESULT_READERS)
# Ballot links are rate limited per address (see server/forum/rate_limits.py), on top of
# their 256 random bits: guessing is hopeless, and flooding is refused early.
BALLOT_RATE_LIMIT = {"rate_limit": "delphi_ballots"}
SomePlatform = Annotated[str | None, QueryParameter(pattern=r"^[A-Z]{2,3}$")]
NO_STORE = {"Cache-Control": "no-store"}
FIXED_ZIP_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def summary_of(study: Study) -> StudySummary:
    return StudySummary(
        study.id,
        study.title,
        study.platform_codes,
        Scale(study.scale_min, study.scale_max),
        study.consensus,
        study.anonymity,
        study.languages,
        study.created_at,
        study.closed_at,
        study.purpose,
        dict(study.scale_labels or {}),
    )


def study_out(
    study: Study, statements: Sequence[Statement], panellists: Sequence[Panellist], rounds: Sequence[Round]
) -> StudyOut:
    summary = summary_of(study)
    return StudyOut(
        **{field: getattr(summary, field) for field in summary.__struct_fields__},
        statements=[StatementOut(item.id, item.texts, item.theme) for item in statements],
        panellists=[
            PanellistOut(
                item.id,
                item.name,
                item.email,
                item.language,
                item.stakeholder_id,
                item.user_id,
                item.revoked_at is not None,
            )
            for item in panellists
        ],
        rounds=[
            RoundOut(
                item.id,
                item.number,
                [uuid.UUID(statement_id) for statement_id in item.statement_ids],
                item.invited,
                item.responded,
                item.opened_at,
                item.closed_at,
            )
            for item in rounds
        ],
    )


@answers(NotAllowed)
@post(
    "/api/v1/delphi/studies",
    guards=[FACILITATORS],
    status_code=HTTP_201_CREATED,
    summary="Start a Delphi study on some platforms",
)
async def create_study(request: Request, db: Database, data: JSONBody[StudyIn]) -> DelphiCreated:
    return DelphiCreated((await service.create_study(db, current_user(request), data)).id)


@answers(NotAllowed)
@get(
    "/api/v1/delphi/studies",
    guards=[RESULT_READERS],
    summary="The Delphi studies of my platforms (stakeholders: the closed ones)",
)
async def list_studies(
    request: Request,
    db: Database,
    platform: SomePlatform = None,
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 50,
) -> StudyPage:
    studies, next_cursor = await service.list_studies(
        db, current_user(request), platform=platform, cursor=cursor, limit=limit
    )
    return StudyPage([summary_of(study) for study in studies], next_cursor)


@answers(NotAllowed)
@get(
    "/api/v1/delphi/studies/{study_id:uuid}",
    guards=[FACILITATORS],
    summary="A study with its statements, panellists and rounds",
)
async def read_study(request: Request, db: Database, study_id: FromPath[uuid.UUID]) -> StudyOut:
    study = await service.facilitated_study(db, current_user(request), study_id)
    return study_out(study, *await service.study_parts(db, study.id))


@answers(NotAllowed, Conflict)
@patch(
    "/api/v1/delphi/studies/{study_id:uuid}",
    guards=[FACILITATORS],
    summary="Change a study's title, or its scale and consensus rule before the first round",
)
async def update_study(
    request: Request, db: Database, study_id: FromPath[uuid.UUID], data: JSONBody[StudyPatch]
) -> StudyOut:
    study = await service.update_study(db, current_user(request), study_id, data)
    return study_out(study, *await service.study_parts(db, study.id))


@answers(NotAllowed, Conflict)
@post(
    "/api/v1/delphi/studies/{study_id:uuid}/statements",
    guards=[FACILITATORS],
    status_code=HTTP_201_CREATED,
    summary="Add a statement, in the study's first language and any others",
)
async def add_statement(
    request: Request, db: Database, study_id: FromPath[uuid.UUID], data: JSONBody[StatementIn]
) -> DelphiCreated:
    return DelphiCreated((await service.add_statement(db, current_user(request), study_id, data)).id)


@answers(NotAllowed, Conflict)
@post(
    "/api/v1/delphi/studies/{study_id:uuid}/panellists",
    guards=[FACILITATORS],
    status_code=HTTP_201_CREATED,
    summary="Invite a panellist; the answer carries their private ballot link, once",
)
async def add_panellist(
    request: Request,
    db: Database,
    settings: NamedDependency[Settings],
    study_id: FromPath[uuid.UUID],
    data: JSONBody[PanellistIn],
) -> PanellistCreated:
    panellist, token = await service.add_panellist(
        db,
        current_user(request),
        study_id,
        data,
        settings.public_url,
        mail_the_link=settings.smtp_url is not None,
    )
    return PanellistCreated(panellist.id, token, service.ballot_url(settings.public_url, token))


@answers(NotAllowed)
@delete(
    "/api/v1/delphi/studies/{study_id:uuid}/panellists/{panellist_id:uuid}",
    guards=[FACILITATORS],
    status_code=HTTP_204_NO_CONTENT,
    summary="Revoke a panellist's ballot link; what they rated stays",
)
async def revoke_panellist(
    request: Request, db: Database, study_id: FromPath[uuid.UUID], panellist_id: FromPath[uuid.UUID]
) -> None:
    await service.revoke_panellist(db, current_user(request), study_id, panellist_id)


def round_opened(opened: Round) -> RoundOpened:
    return RoundOpened(opened.id, opened.number, [uuid.UUID(item) for item in opened.statement_ids])


@answers(NotAllowed, Conflict)
@post(
    "/api/v1/delphi/studies/{study_id:uuid}/rounds",
    guards=[FACILITATORS],
    status_code=HTTP_201_CREATED,
    summary="Open the next round",
)
async def open_round(request: Request, db: Database, study_id: FromPath[uuid.UUID]) -> RoundOpened:
    return round_opened(await service.open_round(db, current_user(request), study_id))


@answers(NotAllowed)
@post(
    "/api/v1/delphi/studies/{study_id:uuid}/close",
    guards=[FACILITATORS],
    status_code=HTTP_200_OK,
    summary="Close the study: no further rounds; an open round is closed first",
)
async def close_study(request: Request, db: Database, study_id: FromPath[uuid.UUID]) -> StudyOut:
    study = await service.close_study(db, current_user(request), study_id)
    return study_out(study, *await service.study_parts(db, study.id))


@answers(NotAllowed, Conflict)
@post(
    "/api/v1/delphi/rounds/{round_id:uuid}/reminders",
    guards=[FACILITATORS],
    status_code=HTTP_200_OK,
    summary="Remind the panel of an open round by e-mail",
)
async def send_reminders(request: Request, db: Database, round_id: FromPath[uuid.UUID]) -> RemindersSent:
    return RemindersSent(await service.send_reminders(db, current_user(request), round_id))


@answers(NotAllowed, Conflict)
@post(
    "/api/v1/delphi/rounds/{round_id:uuid}/close",
    guards=[FACILITATORS],
    status_code=HTTP_200_OK,
    summary="Close a round; its results are computed",
)
async def close_round(request: Request, db: Database, round_id: FromPath[uuid.UUID]) -> RoundOut:
    closed = await service.close_round(db, current_user(request), round_id)
    return RoundOut(
        closed.id,
        closed.number,
        [uuid.UUID(item) for item in closed.statement_ids],
        closed.invited,
        closed.responded,
        closed.opened_at,
        closed.closed_at,
    )


@answers(NotFound)
@get(
    "/api/v1/delphi/ballots/{token:str}",
    opt=BALLOT_RATE_LIMIT,
    response_headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    summary="A panellist's ballot, by the private link alone",
)
async def read_ballot(db: Database, token: FromPath[str]) -> Ballot:
    return await service.read_ballot(db, token)


@answers(NotFound, Conflict)
@put(
    "/api/v1/delphi/ballots/{token:str}",
    opt=BALLOT_RATE_LIMIT,
    response_headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    summary="Save some or all answers of a ballot while its round is open",
)
async def save_ballot(
    db: Database, databases: NamedDependency[Databases], token: FromPath[str], data: JSONBody[BallotIn]
) -> BallotSaved:
    async with databases.reading() as reading:
        checked = await service.check_save(reading, token, data)
    return await service.save_ballot(db, checked)


@answers(NotAllowed)
@get(
    "/api/v1/delphi/studies/{study_id:uuid}/results",
    guards=[RESULT_READERS],
    summary="Each closed round's figures per statement",
)
async def study_results(request: Request, db: Database, study_id: FromPath[uuid.UUID]) -> Results:
    return await service.results(db, current_user(request), study_id)


@dataclass
class ExportOperation(Operation):
    """The export answers with a file, CSV or XLSX; Litestar would describe it as JSON."""

    def __post_init__(self) -> None:
        file = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        self.responses = {
            **(self.responses or {}),
            "200": OpenAPIResponse(
                description="One row per rating",
                content={
                    "text/csv": OpenAPIMediaType(schema=file),
                    formats.MEDIA_TYPES["xlsx"]: OpenAPIMediaType(schema=file),
                },
            ),
        }


def export_csv(lines: Sequence[Sequence[str]]) -> Iterator[bytes]:
    """CSV whose cells a spreadsheet never runs as formulas (the notes export's rule)."""
    yield formats.csv_line(service.EXPORT_COLUMNS).encode()
    for line in lines:
        yield formats.csv_line([formats.spreadsheet_text(value) for value in line]).encode()


def export_xlsx(lines: Sequence[Sequence[str]], target: IO[bytes]) -> None:
    """Every cell a string cell but the rating: no text ever becomes a formula or a link."""
    workbook = formats.text_workbook(target, "Tessera Delphi study", FIXED_ZIP_DATE)
    sheet = workbook.add_worksheet("ratings")
    for column, name in enumerate(service.EXPORT_COLUMNS):
        sheet.write_string(0, column, name)
    rating_column = service.EXPORT_COLUMNS.index("rating")
    round_column = service.EXPORT_COLUMNS.index("round")
    for row, line in enumerate(lines, start=1):
        for column, value in enumerate(line):
            if column in (rating_column, round_column) and value:
                sheet.write_number(row, column, int(value))
            else:
                sheet.write_string(row, column, value)
    workbook.close()


@answers(NotAllowed)
@get(
    "/api/v1/delphi/studies/{study_id:uuid}/export",
    guards=[FACILITATORS],
    operation_class=ExportOperation,
    summary="Download a study's ratings (CSV or XLSX), panellists by pseudonym unless it is named",
)
async def export_study(
    request: Request,
    db: Database,
    databases: NamedDependency[Databases],
    study_id: FromPath[uuid.UUID],
    format: FromQuery[Literal["csv", "xlsx"]] = "csv",
) -> Stream:
    user = current_user(request)
    study, lines = await service.export_rows(db, user, study_id)
    # The request's unit of work only reads: the audit record is kept in one of its own.
    async with databases.separate_unit_of_work() as writing:
        record_event(
            writing, "delphi.exported", actor_id=user.id, subject_id=study.id, format=format, count=len(lines)
        )
    headers = {
        "Content-Disposition": f'attachment; filename="tessera-delphi-{study.id}.{format}"',
        **NO_STORE,
    }
    if format == "csv":
        return Stream(export_csv(lines), media_type=formats.MEDIA_TYPES["csv"], headers=headers)
    chunks, size = await formats.written_off_the_loop(lambda handle: export_xlsx(lines, handle))
    return Stream(
        chunks, media_type=formats.MEDIA_TYPES["xlsx"], headers={**headers, "Content-Length": str(size)}
    )


# Ballots from the app: a panellist through their account finds the open rounds on their home.


@answers()
@get(
    "/api/v1/me/ballots",
    guards=[signed_in],
    summary="Open Delphi rounds where I am a panellist through my account",
)
async def my_ballots(request: Request, db: Database) -> MyBallots:
    found = await service.my_open_ballots(db, current_user(request))
    return MyBallots(
        [
            MyBallot(
                panellist.id,
                MyBallotStudy(study.id, study.title, study.anonymity),
                MyBallotRound(current.number, current.opened_at),
                link_renewable=study.anonymity != Anonymity.ANONYMOUS,
            )
            for panellist, study, current in found
        ]
    )


@answers(Conflict)
@post(
    "/api/v1/me/ballots/{panellist_id:uuid}/link",
    guards=[signed_in],
    status_code=HTTP_200_OK,
    summary="A new private link to my ballot; the one before stops working (not under anonymous)",
    response_headers=NO_STORE,
)
async def renew_my_ballot_link(
    request: Request, db: Database, settings: NamedDependency[Settings], panellist_id: FromPath[uuid.UUID]
) -> BallotLink:
    token = await service.renew_ballot_link(db, current_user(request), panellist_id)
    return BallotLink(token, service.ballot_url(settings.public_url, token))


# Extensions of the contract (docs/api.md): panellists' proposals and the report.


def proposal_out(proposal: Proposal) -> ProposalOut:
    return ProposalOut(
        proposal.id,
        proposal.text,
        proposal.comment,
        proposal.language,
        proposal.status,
        proposal.statement_id,
    )


@answers(NotAllowed)
@get(
    "/api/v1/delphi/studies/{study_id:uuid}/proposals",
    guards=[FACILITATORS],
    summary="The statements panellists proposed in the first round, without who proposed them",
)
async def list_proposals(request: Request, db: Database, study_id: FromPath[uuid.UUID]) -> ProposalList:
    return ProposalList(
        [proposal_out(item) for item in await service.list_proposals(db, current_user(request), study_id)]
    )


@answers(NotAllowed, Conflict)
@post(
    "/api/v1/delphi/studies/{study_id:uuid}/proposals/{proposal_id:uuid}/accept",
    guards=[FACILITATORS],
    status_code=HTTP_201_CREATED,
    summary="Accept a proposal as a statement (edited and translated), asked from the next round",
)
async def accept_proposal(
    request: Request,
    db: Database,
    study_id: FromPath[uuid.UUID],
    proposal_id: FromPath[uuid.UUID],
    data: JSONBody[StatementIn],
) -> DelphiCreated:
    statement = await service.accept_proposal(db, current_user(request), study_id, proposal_id, data)
    return DelphiCreated(statement.id)


@answers(NotAllowed, Conflict)
@post(
    "/api/v1/delphi/studies/{study_id:uuid}/proposals/{proposal_id:uuid}/dismiss",
    guards=[FACILITATORS],
    status_code=HTTP_200_OK,
    summary="Dismiss a proposal",
)
async def dismiss_proposal(
    request: Request, db: Database, study_id: FromPath[uuid.UUID], proposal_id: FromPath[uuid.UUID]
) -> ProposalOut:
    return proposal_out(await service.dismiss_proposal(db, current_user(request), study_id, proposal_id))


@dataclass
class ReportOperation(Operation):
    """The report answers with an HTML page or a PDF; Litestar would describe it as JSON."""

    def __post_init__(self) -> None:
        file = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        self.responses = {
            **(self.responses or {}),
            "200": OpenAPIResponse(
                description="The report, following CREDES and ACCORD",
                content={
                    "text/html": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
                    documents.PDF_MEDIA_TYPE: OpenAPIMediaType(schema=file),
                },
            ),
        }


@answers(NotAllowed, InvalidInput, ServiceUnavailable, Throttled)
@get(
    "/api/v1/delphi/studies/{study_id:uuid}/report",
    guards=[RESULT_READERS],
    operation_class=ReportOperation,
    summary="The study's report (printable HTML or PDF), in a language of the platform",
)
async def study_report(
    request: Request,
    db: Database,
    study_id: FromPath[uuid.UUID],
    format: FromQuery[Literal["html", "pdf"]] = "html",
    language: FromQuery[Language | None] = None,
) -> Response[bytes]:
    user = current_user(request)
    gathered = await report.gather(db, user, study_id, language)
    study = gathered.study
    if format == "pdf":
        body = await report.render_pdf(gathered, asked_by=str(user.id))
        return Response(
            body,
            media_type=documents.PDF_MEDIA_TYPE,
            headers={
                "Content-Disposition": f'attachment; filename="tessera-delphi-report-{study.id}.pdf"',
                **NO_STORE,
            },
        )
    return Response(
        report.page_html(gathered).encode(),
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": report.PAGE_SECURITY_POLICY, **NO_STORE},
    )


routes = [
    create_study,
    list_studies,
    read_study,
    update_study,
    add_statement,
    add_panellist,
    revoke_panellist,
    open_round,
    close_study,
    close_round,
    send_reminders,
    read_ballot,
    save_ballot,
    study_results,
    export_study,
    my_ballots,
    renew_my_ballot_link,
    list_proposals,
    accept_proposal,
    dismiss_proposal,
    study_report,
]
