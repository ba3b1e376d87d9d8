"""The alerts page: alerts newest first with what was sent to which channel and when; acknowledging and
resolving with a comment (kept in the audit log beside who did it)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from alerts.errors import AlertStateError
from alerts.outbox import Outbox
from alerts.state import STATES
from riskwatch.web.render import page
from riskwatch.web.security import client_of, guarded

LISTED = 200  # alerts on the page
COMMENT_CHARS = 1000


def alert_target(alert_id: int) -> str:
    return f"alert:{alert_id}"


@guarded("read")
def alerts_page(request: Request) -> Response:
    web = request.app.state.web
    state_filter = request.query_params.get("state") or None
    if state_filter not in (None, "active", *STATES):
        state_filter = None
    alerts, deliveries = [], {}
    state = web.alert_state()
    if state is not None:
        with state:
            alerts = state.list(state_filter, LISTED)
            deliveries = Outbox(state.connection).by_alert([alert.id for alert in alerts])
    comments: dict[str, list] = {}
    if alerts:
        for entry in web.audit.entries(limit=5000, targets=[alert_target(a.id) for a in alerts]):
            if entry.action in ("acknowledge", "resolve"):
                comments.setdefault(entry.target, []).append(entry)
    return page(
        request,
        "alerts.html",
        nav="alerts",
        alerts=alerts,
        deliveries=deliveries,
        comments=comments,
        state_filter=state_filter,
        states=("active", *STATES),
        alert_target=alert_target,
        notice=request.query_params.get("done"),
    )


def _transition(request: Request, verb: str) -> Response:
    web = request.app.state.web
    alert_id = int(request.path_params["alert_id"])
    comment = str(request.state.form.get("comment") or "").strip()[:COMMENT_CHARS]
    state = web.alert_state()
    if state is None:
        return page(
            request, "error.html", status_code=404, status=404, message="还没有任何告警（no alert state）"
        )
    with state:
        try:
            alert = getattr(state, verb)(alert_id)
        except AlertStateError as exc:
            return page(request, "error.html", status_code=409, status=409, message=str(exc))
    web.audit.record(request.state.user.name, verb, alert_target(alert.id), comment, client_of(request))
    return RedirectResponse(f"/alerts?done={verb}-{alert.id}#alert-{alert.id}", status_code=303)


@guarded("act")
def acknowledge(request: Request) -> Response:
    return _transition(request, "acknowledge")


@guarded("act")
def resolve(request: Request) -> Response:
    return _transition(request, "resolve")
