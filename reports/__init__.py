"""reports stage: compliance exposure reports (XLSX, PDF)."""
