"""The stewards' review page (`muni serve`): runs, documents, pending changes side by side with PDF crops,
accept / reject / override with a comment, bulk accept of a table, the findings of a run and the audit trail.

Reading needs no login (the page shows what auditors can query anyway). Every write needs a steward login (a
token from configuration, never a default) and the session's CSRF token in the form; the session cookie is
HttpOnly and SameSite=Strict. Writes go through warehouse.snapshot.writing, like every other writer.
"""
from __future__ import annotations

import hmac
import secrets
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from pipeline.web.render import STATIC, render

COOKIE = "muni_session"
SHARED = "*"  # the steward entry of a shared token (MUNI_STEWARD_TOKEN): the reviewer types a name at login
MIN_TOKEN = 12
CSP = ("default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")


class ConfigError(ValueError):
    """A steward configuration that cannot be used (empty or too short a token)."""


def load_stewards(config: Path | None, environ: Mapping[str, str]) -> dict[str, str]:
    """Steward name -> token: from a TOML file (`[stewards] name = "token"`) and/or MUNI_STEWARD_TOKEN (shared)."""
    out: dict[str, str] = {}
    if config is not None:
        data = tomllib.loads(Path(config).read_text(encoding="utf-8"))
        out.update({str(k): str(v) for k, v in (data.get("stewards") or {}).items()})
    token = environ.get("MUNI_STEWARD_TOKEN")
    if token:
        out[SHARED] = token
    short = [k for k, v in out.items() if len(v) < MIN_TOKEN]
    if short:
        raise ConfigError(f"steward token(s) shorter than {MIN_TOKEN} characters: {', '.join(short)}")
    return out


def steward_for(stewards: Mapping[str, str], name: str, token: str) -> str | None:
    """The reviewer a login is for, or None: a named steward's own token, or the shared token with a typed name."""
    name = (name or "").strip()
    if not name or not token:
        return None
    own = stewards.get(name)
    if own is not None and name != SHARED:
        return name if hmac.compare_digest(own.encode(), token.encode()) else None
    shared = stewards.get(SHARED)
    if shared is not None and hmac.compare_digest(shared.encode(), token.encode()):
        return name
    return None


@dataclass
class Session:
    csrf: str
    reviewer: str | None = None


@dataclass
class ServeConfig:
    """What `muni serve` serves: the warehouse file and the stewards who may write (empty: read-only)."""

    warehouse: Path
    stewards: dict[str, str] = field(default_factory=dict)

    @property
    def read_only(self) -> bool:
        return not self.stewards


class Sessions:
    """Server-side sessions by random id (nothing but the id is in the cookie)."""

    def __init__(self) -> None:
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def get(self, sid: str | None) -> Session | None:
        with self._lock:
            return self._by_id.get(sid or "")

    def new(self, reviewer: str | None = None) -> tuple[str, Session]:
        sid, s = secrets.token_urlsafe(32), Session(secrets.token_urlsafe(32), reviewer)
        with self._lock:
            self._by_id[sid] = s
        return sid, s

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._by_id.pop(sid or "", None)


class Refused(Exception):
    """A request the page refuses, with the HTTP status and a message in Swedish (and English)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def create_app(config: ServeConfig) -> FastAPI:
    """The review web application over the warehouse at `config.warehouse`."""
    app = FastAPI(title="muni review", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    sessions = Sessions()

    def session_of(request: Request) -> tuple[str | None, Session | None]:
        sid = request.cookies.get(COOKIE)
        return sid, sessions.get(sid)

    def page(request: Request, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
        sid, s = session_of(request)
        new_sid = None
        if s is None:
            new_sid, s = sessions.new()
        html = render(template, standalone=False, css="", user=s.reviewer, csrf=s.csrf, read_only=config.read_only,
                      **context)
        resp = HTMLResponse(html, status_code=http_status)
        if new_sid:
            set_cookie(resp, new_sid)
        return resp

    def require_steward(request: Request, csrf_token: str) -> str:
        if config.read_only:
            raise Refused(403, "Sidan är skrivskyddad (read-only: no steward token configured)")
        _, s = session_of(request)
        if s is None or s.reviewer is None:
            raise Refused(401, "Logga in som förvaltare först (steward login required)")
        if not csrf_token or not hmac.compare_digest(s.csrf.encode(), csrf_token.encode()):
            raise Refused(403, "Ogiltig CSRF-token (bad CSRF token): ladda om sidan")
        return s.reviewer

    @app.exception_handler(Refused)
    def refused(request: Request, exc: Refused) -> HTMLResponse:
        return page(request, "message.html", http_status=exc.status, title="Nekad", message=exc.message)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        resp = await call_next(request)
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Cache-Control"] = "no-store"
        return resp

    def read():
        from warehouse.snapshot import open_published

        try:
            return open_published(config.warehouse)
        except FileNotFoundError as exc:
            raise Refused(404, f"Inget lager: {exc}") from None

    def write(action):
        """Run `action(con)` in the next state of the warehouse and publish it; a ReviewError becomes a 400."""
        from pipeline.review.store import ReviewError
        from warehouse.snapshot import writing

        try:
            with writing(config.warehouse) as snap:
                result = action(snap.con)
                snap.publish = True
            return result
        except ReviewError as exc:
            raise Refused(400, str(exc)) from None

    # ----- pages ------------------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        from pipeline.web.queries import overview

        con = read()
        try:
            data = overview(con)
        finally:
            con.close()
        return page(request, "index.html", **data)

    @app.get("/documents/{doc_id}", response_class=HTMLResponse)
    def document(request: Request, doc_id: str, status: str = "pending") -> HTMLResponse:
        from pipeline.web.queries import document_review

        con = read()
        try:
            data = document_review(con, doc_id, status)
        finally:
            con.close()
        if data is None:
            raise Refused(404, f"Okänt dokument {doc_id}")
        return page(request, "document.html", **data)

    @app.get("/runs/{run_id}/findings", response_class=HTMLResponse)
    def findings(request: Request, run_id: str) -> HTMLResponse:
        from pipeline.web.queries import run_findings

        con = read()
        try:
            data = run_findings(con, run_id)
        finally:
            con.close()
        return page(request, "findings.html", **data)

    @app.get("/decisions", response_class=HTMLResponse)
    def audit(request: Request) -> HTMLResponse:
        from pipeline.review.store import decisions, standing_overrides

        con = read()
        try:
            data = {"decisions": decisions(con), "overrides": standing_overrides(con)}
        finally:
            con.close()
        return page(request, "decisions.html", **data)

    @app.get("/diff", response_class=HTMLResponse)
    def diff(request: Request, a: str, b: str) -> HTMLResponse:
        from pipeline.review.runs import diff_runs, html_context

        con = read()
        try:
            try:
                diffs = diff_runs(con, a, b)
            except LookupError as exc:
                raise Refused(404, str(exc)) from None
        finally:
            con.close()
        return page(request, "diff.html", **html_context(diffs, a, b))

    # ----- images -----------------------------------------------------------------------------------------

    @app.get("/changes/{change_id}/{side}.png")
    def change_crop(change_id: str, side: str) -> Response:
        from pipeline.review.store import ReviewError, get_change
        from pipeline.web.queries import crop_png

        if side not in ("old", "new"):
            raise Refused(404, "okänd sida")
        con = read()
        try:
            try:
                c = get_change(con, change_id)
            except ReviewError as exc:
                raise Refused(404, str(exc)) from None
            doc, page_no, bbox = ((c.old_doc_id, c.old_page, c.old_bbox) if side == "old"
                                  else (c.doc_id, c.new_page, c.new_bbox))
            png = crop_png(con, config.warehouse, doc, page_no, bbox)
        finally:
            con.close()
        if png is None:
            raise Refused(404, "PDF-sidan finns inte (PDF or page not available)")
        return Response(png, media_type="image/png")

    @app.get("/findings/{run_id}/{finding_id}/{n}.png")
    def finding_crop(run_id: str, finding_id: str, n: int) -> Response:
        from pipeline.web.queries import crop_png, finding_evidence

        con = read()
        try:
            ev = finding_evidence(con, run_id, finding_id)
            if not 0 <= n < len(ev):
                raise Refused(404, "inget sådant belägg (no such evidence)")
            e = ev[n]
            same = [x["bbox"] for x in ev if x["doc_id"] == e["doc_id"] and x["page"] == e["page"] and x["bbox"]]
            png = crop_png(con, config.warehouse, e["doc_id"], e["page"], e["bbox"], same)
        finally:
            con.close()
        if png is None:
            raise Refused(404, "PDF-sidan finns inte (PDF or page not available)")
        return Response(png, media_type="image/png")

    # ----- login ------------------------------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> HTMLResponse:
        return page(request, "login.html", error=None)

    @app.post("/login")
    def login(request: Request, name: str = Form(""), token: str = Form(""), csrf_token: str = Form("")) -> Response:
        if config.read_only:
            raise Refused(403, "Sidan är skrivskyddad (read-only)")
        sid, s = session_of(request)
        if s is None or not csrf_token or not hmac.compare_digest(s.csrf.encode(), csrf_token.encode()):
            raise Refused(403, "Ogiltig CSRF-token (bad CSRF token): ladda om sidan")
        reviewer = steward_for(config.stewards, name, token)
        if reviewer is None:
            return page(request, "login.html", http_status=401, error="Fel namn eller token (wrong name or token)")
        sessions.drop(sid)  # a new session id at login: no fixation
        new_sid, _ = sessions.new(reviewer)
        resp = RedirectResponse("/", status_code=303)
        set_cookie(resp, new_sid)
        return resp

    @app.post("/logout")
    def logout(request: Request, csrf_token: str = Form("")) -> Response:
        require_steward(request, csrf_token)
        sid, _ = session_of(request)
        sessions.drop(sid)
        resp = RedirectResponse("/", status_code=303)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    # ----- decisions --------------------------------------------------------------------------------------

    @app.post("/changes/{change_id}")
    def decide_change(request: Request, change_id: str, action: str = Form(""), value: str = Form(""),
                      comment: str = Form(""), csrf_token: str = Form("")) -> Response:
        from pipeline.review.store import apply_decision, get_change

        reviewer = require_steward(request, csrf_token)
        if action not in ("accept", "reject", "override"):
            raise Refused(400, f"Okänd åtgärd {action!r}")

        def decide(con):
            change = get_change(con, change_id)
            apply_decision(con, change, action, reviewer, comment, value if action == "override" else None)
            return change

        change = write(decide)
        return RedirectResponse(f"/documents/{change.doc_id}#c-{change_id}", status_code=303)

    @app.post("/bulk-accept")
    def bulk(request: Request, run_id: str = Form(""), doc_id: str = Form(""), entity: str = Form(""),
             digest: str = Form(""), comment: str = Form(""), csrf_token: str = Form("")) -> Response:
        from pipeline.review.store import bulk_accept

        reviewer = require_steward(request, csrf_token)
        write(lambda con: bulk_accept(con, run_id, doc_id, entity, reviewer, comment, digest))
        return RedirectResponse(f"/documents/{doc_id}", status_code=303)

    @app.post("/overrides/{decision_id}/lift")
    def lift(request: Request, decision_id: str, comment: str = Form(""), csrf_token: str = Form("")) -> Response:
        from pipeline.review.store import lift_override

        reviewer = require_steward(request, csrf_token)
        write(lambda con: lift_override(con, decision_id, reviewer, comment))
        return RedirectResponse("/decisions", status_code=303)

    return app


def set_cookie(resp: Response, sid: str) -> None:
    resp.set_cookie(COOKIE, sid, httponly=True, samesite="strict", path="/")
