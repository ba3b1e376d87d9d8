"""NLP stage: watchlist, entity linking and the document tagger (``tagger``: sentiment, entities with
entity-level negative judgements, risk events), its training and evaluation."""
