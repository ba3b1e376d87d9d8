"""``riskwatch web``: a server-rendered console over the same store and alert state as the CLI.

Sits on top like the CLI (it may import indexer, alerts and reports; nothing imports it but the CLI).
Pages: search, entity, alerts, reports, audit; access by users and roles from the config's ``web:``
section (:mod:`riskwatch.web.options`). Errors: :class:`riskwatch.web.errors.WebError` and below.
"""
