"""The reports page: generate an exposure report for a period (XLSX and/or PDF, written with the same code
as ``riskwatch report exposure``), list earlier ones with their manifest check, download a listed file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from crawlers.items import SHANGHAI
from indexer.store import Window
from reports.errors import ReportError
from reports.manifest import MANIFEST, verify_manifest
from reports.writer import FORMATS, sources_from_config, write_report
from riskwatch.web.pages_search import day_start, parse_day
from riskwatch.web.render import page
from riskwatch.web.security import client_of, guarded

CONSOLE = "console"  # the root of reports generated here; scheduled jobs' roots are named after the job
RUN_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
MEDIA_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".json": "application/json",
}


@dataclass
class ReportRun:
    root: str
    name: str
    folder: Path
    about: dict
    files: list[str]
    problems: list[str]

    @property
    def period(self) -> str:
        """First and last day covered (the manifest's end is exclusive)."""
        try:
            start = datetime.fromisoformat(self.about["period_start"])
            end = datetime.fromisoformat(self.about["period_end"]) - timedelta(microseconds=1)
        except (KeyError, TypeError, ValueError):
            return "—"
        return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"


def report_roots(web) -> dict[str, Path]:
    """Where reports live: the console's folder and each scheduled job's."""
    roots = {CONSOLE: web.options.reports_dir}
    roots.update({job.name: job.out_dir / job.name for job in web.config.main.reports})
    return roots


def list_runs(web) -> list[ReportRun]:
    runs: list[ReportRun] = []
    for root, folder in report_roots(web).items():
        if not folder.is_dir():
            continue
        for run in sorted(folder.iterdir()):
            manifest = run / MANIFEST
            if not (run.is_dir() and RUN_NAME.match(run.name) and manifest.is_file()):
                continue
            try:
                about = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                runs.append(ReportRun(root, run.name, run, {}, [], [f"{MANIFEST}: unreadable ({exc})"]))
                continue
            files = [entry["file"] for entry in about.get("files", [])]
            runs.append(ReportRun(root, run.name, run, about, files, verify_manifest(run)))
    runs.sort(key=lambda run: str(run.about.get("generated_at", "")), reverse=True)
    return runs


def previous_month(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1), first - timedelta(days=1)


@guarded("read")
def reports_page(request: Request) -> Response:
    return render_reports(request)


def render_reports(request: Request, message: str | None = None, status_code: int = 200) -> Response:
    web = request.app.state.web
    start, end = previous_month(datetime.now(SHANGHAI).date())
    return page(
        request,
        "reports.html",
        status_code=status_code,
        nav="reports",
        runs=list_runs(web),
        exposures=web.options.exposures,
        start=start,
        end=end,
        formats=FORMATS,
        message=message,
        done=request.query_params.get("done"),
    )


@guarded("report")
def generate_report(request: Request) -> Response:
    web = request.app.state.web
    form = request.state.form
    start, end = parse_day(str(form.get("start") or "")), parse_day(str(form.get("end") or ""))
    formats = [f for f in FORMATS if f in form.getlist("format")]
    problem = None
    if web.options.exposures is None:
        problem = f"{web.config.path}: web.exposures is not set: the console has no exposure file to read"
    elif start is None or end is None or end < start:
        problem = "请填写有效的起止日期（end ≥ start, YYYY-MM-DD）"
    elif not formats:
        problem = "请至少选择一种格式（xlsx, pdf）"
    if problem:
        return render_reports(request, problem, 400)
    period = Window(day_start(start), day_start(end + timedelta(days=1)))  # the end day is included
    stamp = datetime.now(SHANGHAI).strftime("%Y%m%d-%H%M%S")
    name = f"{start:%Y-%m-%d}_{end:%Y-%m-%d}-{stamp}"
    try:
        write_report(
            sources_from_config(web.config, web.store),
            web.options.exposures,
            period,
            web.options.reports_dir / name,
            formats,
        )
    except ReportError as exc:
        return render_reports(request, f"报告未生成：{exc}", 400)
    web.audit.record(
        request.state.user.name, "report", f"report:{CONSOLE}/{name}", ",".join(formats), client_of(request)
    )
    return RedirectResponse(f"/reports?done={name}", status_code=303)


@guarded("download")
def download(request: Request) -> Response:
    """Only a file its run's manifest lists, in a known root: nothing else on disk can be asked for."""
    web = request.app.state.web
    root, run, name = (request.path_params[key] for key in ("root", "run", "file"))
    folder = report_roots(web).get(root)
    if folder is None or not RUN_NAME.match(run):
        raise HTTPException(404)
    listed = {r.name: r for r in list_runs(web) if r.root == root}.get(run)
    if listed is None or name not in listed.files:
        raise HTTPException(404)
    path = folder / run / name
    web.audit.record(
        request.state.user.name,
        "download",
        f"report:{root}/{run}/{name}",
        "manifest ok" if not listed.problems else "; ".join(listed.problems),
        client_of(request),
    )
    return FileResponse(
        path, media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"), filename=name
    )
