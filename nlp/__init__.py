"""NLP stage: watchlist, entity linking and the document tagger (the tagger arrives with issue 3)."""
