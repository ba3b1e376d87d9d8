"""Notification channels: a registry of channel types, each a :class:`Notifier` with its options model.

Built-ins: ``email``, ``dingtalk``, ``wecom``, ``feishu``, ``webhook`` and ``file`` (a local outbox folder).
Another channel registers the same way: ``register_notifier(MyNotifier)``.
"""

from __future__ import annotations

from alerts.notifiers.base import ChannelOptions, Message, Notifier, RateLimit
from alerts.notifiers.dingtalk import DingTalkNotifier
from alerts.notifiers.email import EmailNotifier
from alerts.notifiers.feishu import FeishuNotifier
from alerts.notifiers.file import FileNotifier
from alerts.notifiers.webhook import WebhookNotifier
from alerts.notifiers.wecom import WeComNotifier

NOTIFIERS: dict[str, type[Notifier]] = {}


def register_notifier(notifier_class: type[Notifier]) -> type[Notifier]:
    """Make a channel type available to ``channels:`` entries by its ``type_name``."""
    NOTIFIERS[notifier_class.type_name] = notifier_class
    return notifier_class


for _builtin in (
    EmailNotifier,
    DingTalkNotifier,
    WeComNotifier,
    FeishuNotifier,
    WebhookNotifier,
    FileNotifier,
):
    register_notifier(_builtin)

__all__ = ["NOTIFIERS", "ChannelOptions", "Message", "Notifier", "RateLimit", "register_notifier"]
