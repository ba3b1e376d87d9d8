"""The offline demo: a small Chinese finance news site, a GBK portal and a stock forum, served locally and
run through the whole pipeline (crawl → tag → index → alerts → report) by ``riskwatch demo``."""

from pathlib import Path

SITE_ROOT = Path(__file__).parent / "site"
