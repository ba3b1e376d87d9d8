"""Report options shared by ``riskwatch report exposure`` and scheduled report jobs.

Currency: exposures are never converted with a rate riskwatch made up. With ``fx_rates`` (units of
``base_currency`` for one unit of the currency, as of the bank's chosen date) rows in those currencies are
converted and weighed together with the base currency; a currency without a rate forms its own pool and is
weighed within it. The report lists each pool's total and states which rates it used.

:class:`ReportJob` is one scheduled report (``reports:`` in the main config): the options plus what to read,
which period, where to write, in which formats and when (``cron``, Asia/Shanghai). Kept free of heavy
imports: the main config imports it for every command.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from crawlers.configfile import ConfigPath, StrictModel


class ReportOptions(StrictModel):
    base_currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    default_currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")  # for files without a currency column
    fx_rates: dict[str, float] = {}
    headlines: int = Field(default=3, ge=0, le=20)  # top negative headlines per counterparty
    chart_top: int = Field(default=5, ge=1, le=12)  # counterparties drawn in the negative-volume chart
    pdf_top: int = Field(
        default=50, ge=1, le=2000
    )  # counterparties (and unmatched/bad rows) the PDF details;
    # the workbook always lists every one

    @field_validator("fx_rates")
    @classmethod
    def _rates(cls, rates: dict[str, float]) -> dict[str, float]:
        for code, rate in rates.items():
            if len(code) != 3 or not code.isalpha() or not code.isupper():
                raise ValueError(f"fx_rates: {code!r} is not a 3-letter upper-case ISO currency code")
            if not rate > 0:
                raise ValueError(f"fx_rates: the rate for {code} must be positive, got {rate}")
        return rates

    def rate(self, currency: str) -> float | None:
        """Units of the base currency for one unit of ``currency``; ``None`` when there is no rate."""
        if currency == self.base_currency:
            return 1.0
        return self.fx_rates.get(currency)


FIXED_PERIODS = ("previous-month", "previous-week", "previous-day", "month-to-date")
LAST_DAYS = re.compile(r"^last-(\d{1,4})d$")


class ReportJob(ReportOptions):
    name: str = Field(default="exposure-report", pattern=r"^[A-Za-z0-9_.-]+$")
    cron: str = "0 6 1 * *"
    exposures: ConfigPath
    period: str = "previous-month"
    out_dir: ConfigPath = Path("../data/reports")
    formats: list[Literal["xlsx", "pdf"]] = ["xlsx", "pdf"]

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        if value not in FIXED_PERIODS and not LAST_DAYS.match(value):
            raise ValueError(f"unknown period {value!r} (valid: {', '.join(FIXED_PERIODS)}, last-<N>d)")
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(f"cron needs 5 fields (minute hour day month weekday), got {value!r}")
        return value

    @field_validator("formats")
    @classmethod
    def _formats(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("formats needs at least one of xlsx, pdf")
        return value

    def resolved(self, base: Path) -> ReportJob:
        """A copy with relative paths made absolute against ``base`` (the main config's folder)."""
        return self.model_copy(
            update={
                "exposures": (base / self.exposures).resolve(),
                "out_dir": (base / self.out_dir).resolve(),
            }
        )

    def options(self) -> ReportOptions:
        return ReportOptions.model_validate(
            {name: getattr(self, name) for name in ReportOptions.model_fields}
        )


def _unique_names(jobs: list[ReportJob]) -> list[ReportJob]:
    names = [job.name for job in jobs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(
            f"duplicate report job name(s): {', '.join(duplicates)} (each job needs its own name)"
        )
    return jobs


ReportJobs = Annotated[list[ReportJob], AfterValidator(_unique_names)]  # ``reports:`` of the main config
