"""Alerts stage: rules over the store's per-entity counts, alert state, and the notification channels.

``config`` loads the rules (``configs/rules/``) and channels, ``rules`` judges each watched entity from one
``Store.entity_counts`` call (``engine``), ``state`` and ``outbox`` keep the alert lifecycle and undelivered
messages, ``notifiers`` send them (email, DingTalk, WeCom, Feishu, webhook, local file), ``scheduler`` runs
it all under ``riskwatch run``.
"""
