"""riskwatch: Chinese financial news and forum sentiment risk warnings. The CLI and config live here;
the stages are the top-level packages crawlers → nlp → indexer → alerts / reports."""

__version__ = "0.1.0"
