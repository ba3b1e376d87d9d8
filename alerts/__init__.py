"""alerts stage (arrives in a later issue)."""
