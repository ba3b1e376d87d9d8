"""A generic webhook: the structured notice as JSON; any 2xx answer is a delivery."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from alerts.notifiers.base import ENV_NAME, HttpNotifier, Message, UrlChannelOptions


class WebhookOptions(UrlChannelOptions):
    type: Literal["webhook"]
    headers: dict[str, str] = {}  # plain headers (no secrets here)
    token_env: str | None = Field(default=None, pattern=ENV_NAME)  # sent as "Authorization: Bearer <token>"


class WebhookNotifier(HttpNotifier):
    type_name = "webhook"
    options_model = WebhookOptions
    options: WebhookOptions

    def send(self, message: Message) -> None:
        headers = dict(self.options.headers)
        if self.options.token_env:
            headers["Authorization"] = f"Bearer {self.env(self.options.token_env)}"
        self.post({"subject": message.subject, "text": message.text, **message.data}, headers=headers)
