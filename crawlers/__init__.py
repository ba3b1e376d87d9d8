"""Crawling stage: Scrapy spiders that turn configured sources into :class:`crawlers.items.Document` records.

This is the most upstream package; later stages (nlp, indexer, alerts, reports) import from it, never the
other way round.
"""
