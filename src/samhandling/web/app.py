"""The web app: :func:`create_app` takes the notices' unit of work factory, their config and a clock (injected;
``bootstrap`` wires the real ones).

- ``GET /endringer``: every notice and minor change, upcoming and in progress first, then the history; our own
  freeze periods of this year and the next. No login, no personal data.
- ``GET /endringer.atom``: the same as an Atom feed; ``GET /endringer.ics``: planned changes and freeze periods
  as iCalendar, to subscribe to in Outlook.
- ``GET /endringer/bekreft/{token}``: the acknowledgement link from a notice: shows what is acknowledged and a
  button; ``POST`` to the same address records it. (A GET never changes anything: mail scanners that open
  links must not acknowledge on someone's behalf.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from samhandling.domain.notices.freeze import FREEZE_TEXT
from samhandling.domain.notices.model import NoticeError, NoticeStatus, oslo, show_moment
from samhandling.domain.notices.tokens import TokenError, read_token
from samhandling.services.notices.acks import acknowledge_link
from samhandling.services.notices.channel import atom_feed, channel_entries, ics_feed, own_freeze
from samhandling.services.notices.config import NoticeConfig
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork

HERE = Path(__file__).parent
OPEN = (NoticeStatus.PLANNED, NoticeStatus.IN_PROGRESS)


def create_app(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, now: Callable[[], datetime]
               ) -> FastAPI:
    app = FastAPI(title="samhandling", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals.update(show_moment=show_moment, organisation=config.organisation,
                                 freeze_text=FREEZE_TEXT)

    @app.get("/endringer", response_class=HTMLResponse)
    def changes(request: Request) -> HTMLResponse:
        entries = channel_entries(new_uow)
        year = oslo(now()).year
        current = sorted((e for e in entries if e.notice.status in OPEN), key=lambda e: e.notice.start)
        history = [e for e in entries if e.notice.status not in OPEN]
        return templates.TemplateResponse(request, "endringer.html", {
            "current": current, "history": history, "freeze": own_freeze(new_uow, config, [year, year + 1]),
            "now": now()})

    @app.get("/endringer.atom")
    def atom() -> Response:
        return Response(atom_feed(channel_entries(new_uow), config, now=now()),
                        media_type="application/atom+xml; charset=utf-8")

    @app.get("/endringer.ics")
    def ics() -> Response:
        year = oslo(now()).year
        body = ics_feed([e for e in channel_entries(new_uow)], own_freeze(new_uow, config, [year, year + 1]), config)
        return Response(body, media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": 'inline; filename="endringer.ics"'})

    def _page(request: Request, status: int, **values: object) -> HTMLResponse:
        return templates.TemplateResponse(request, "bekreft.html", values, status_code=status)

    @app.get("/endringer/bekreft/{token}", response_class=HTMLResponse)
    def confirm_page(request: Request, token: str) -> HTMLResponse:
        try:
            claim = read_token(config.secret, token, now=now())
        except TokenError as exc:
            return _page(request, 400, error=str(exc))
        with new_uow() as uow:
            notice = uow.notices.get(claim.notice_id)
            recipient = uow.notices.recipient(claim.recipient_id)
        if notice is None or recipient is None or recipient.notice_id != notice.id:
            return _page(request, 404, error="Lenken viser til et varsel som ikke finnes.")
        done = recipient.acknowledged_version is not None and recipient.acknowledged_version >= claim.version
        return _page(request, 200, notice=notice, token=token, done=done, version=claim.version)

    @app.post("/endringer/bekreft/{token}", response_class=HTMLResponse)
    def confirm(request: Request, token: str) -> HTMLResponse:
        try:
            result = acknowledge_link(new_uow, config, token, now=now())
        except (TokenError, NoticeError) as exc:
            return _page(request, 400, error=str(exc))
        return _page(request, 200, notice=result.notice, done=True, just_now=not result.already,
                     version=result.recipient.acknowledged_version)

    return app
