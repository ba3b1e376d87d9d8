"""reports stage: compliance exposure reports (XLSX, PDF) that weigh news evidence by what is at stake.

``exposures`` reads the bank's exposure file and matches it to the watchlist, ``exposure`` builds the report
model from the store (and the alert state), ``xlsx`` and ``pdf`` render it, ``writer`` writes a report with
its manifest, ``jobs`` runs one from the scheduler.
"""
