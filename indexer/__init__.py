"""Indexer stage: tagged documents masked and stored for search and for the counts alerts and reports use.

``store`` is the interface, ``sqlite`` the embedded default (FTS5 over jieba tokens) and ``elastic`` the
Elasticsearch backend; ``pipeline`` masks, tags and stores in batches, ``spool`` holds batches while a store
is unreachable, ``records`` flattens a document into the rows both backends count.
"""
