"""indexer stage (arrives in a later issue)."""
