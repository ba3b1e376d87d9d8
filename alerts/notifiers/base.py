"""What every notification channel is: an options model checked at load, and ``send`` that raises on failure.

A channel reads its secrets from environment variables named in its options (``*_env`` keys) when it sends,
never from config files; a variable that is not set makes that delivery fail with the reason, and the outbox
retries it later, so fixing the environment and restarting delivers what was queued.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import httpx
from pydantic import Field, model_validator

from alerts.durations import Duration
from alerts.errors import DeliveryError
from crawlers.configfile import StrictModel

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
# Query parameters that carry a credential (DingTalk's access_token, WeCom's key, signatures, passwords),
# and path prefixes whose next segment is one (Feishu/Lark custom-bot hooks): such a URL is a secret.
SECRET_PARAMS = frozenset(
    {"access_token", "token", "key", "apikey", "api_key", "secret", "sign", "signature", "password", "passwd"}
)
SECRET_PATHS = ("/open-apis/bot/v2/hook/",)


def url_secret(url: str) -> str | None:
    """What in ``url`` is a credential (``"query parameter 'key'"``, ``"password"``, …), or None."""
    parsed = httpx.URL(url)
    if parsed.password:
        return "password"
    for name in parsed.params:
        if name.lower() in SECRET_PARAMS:
            return f"query parameter {name!r}"
    if any(prefix in parsed.path and parsed.path.split(prefix, 1)[1] for prefix in SECRET_PATHS):
        return "robot token in the path"
    return None


class RateLimit(StrictModel):
    """At most ``messages`` sends per ``per``; beyond that, queued notices are merged into one digest."""

    messages: int = Field(ge=1)
    per: Duration = timedelta(minutes=1)


class ChannelOptions(StrictModel):
    type: str
    rate_limit: RateLimit | None = None  # default: the channel type's own (DingTalk, WeCom: 20 a minute)
    timeout: float = Field(default=10.0, gt=0)  # seconds, for connecting and for each read


class UrlChannelOptions(ChannelOptions):
    """Channels posting to a URL given inline (``url``) or by an environment variable (``url_env``). A URL
    that carries a credential (a robot's access_token or key, a password) must come by ``url_env``:
    secrets never sit in config files."""

    url: str | None = None
    url_env: str | None = Field(default=None, pattern=ENV_NAME)

    @model_validator(mode="after")
    def _one_url(self) -> UrlChannelOptions:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url or url_env (url_env names an environment variable)")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://, got {self.url!r}")
        if self.url is not None and (secret := url_secret(self.url)):
            raise ValueError(
                f"url carries a credential ({secret}): put the whole URL in an environment variable"
                " and name that variable in url_env"
            )
        return self


@dataclass
class Message:
    """A notice (or a digest of several) rendered once, in every form a channel may want."""

    subject: str  # a single line
    text: str  # plain text
    markdown: str  # DingTalk / WeCom / Feishu flavoured Markdown
    html: str  # an HTML document (escaped content)
    data: dict[str, Any] = field(default_factory=dict)  # the structured notice(s), for webhooks and files


class Notifier:
    """Base of every channel. Subclasses set ``type_name`` and ``options_model`` (and may set
    ``default_rate_limit``), and implement :meth:`send`, raising :class:`DeliveryError` on any failure."""

    type_name: ClassVar[str]
    options_model: ClassVar[type[ChannelOptions]] = ChannelOptions
    default_rate_limit: ClassVar[RateLimit | None] = None

    def __init__(self, name: str, options: ChannelOptions, environ: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.options = options
        self.environ = os.environ if environ is None else environ

    @property
    def rate_limit(self) -> RateLimit | None:
        return self.options.rate_limit or self.default_rate_limit

    def send(self, message: Message) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release connections; called once after a delivery run."""

    def env(self, variable: str) -> str:
        value = self.environ.get(variable, "")
        if not value:
            raise DeliveryError(f"environment variable {variable} is not set")
        return value


class HttpNotifier(Notifier):
    """A channel that POSTs JSON to a URL with httpx (timeouts from the options)."""

    options: UrlChannelOptions
    _client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.options.timeout, follow_redirects=False)
        return self._client

    def url(self) -> str:
        return self.options.url or self.env(self.options.url_env or "")

    def post(
        self,
        body: dict[str, Any],
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST ``body``; a transport error or a non-2xx status is a :class:`DeliveryError`."""
        target = httpx.URL(self.url())
        if params:  # added to the URL's own query (a robot URL carries its access_token there)
            target = target.copy_merge_params(params)
        try:
            response = self.client.post(target, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc or 'no answer'}") from exc
        if not response.is_success:
            raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}")
        return response

    def post_checked(
        self, body: dict[str, Any], code_keys: tuple[str, ...], params: dict[str, str] | None = None
    ) -> None:
        """POST and read the robot's JSON answer: the first of ``code_keys`` present must be 0."""
        response = self.post(body, params)
        try:
            answer = response.json()
        except ValueError as exc:
            raise DeliveryError(f"answer is not JSON: {response.text[:200]!r}") from exc
        if not isinstance(answer, dict):
            raise DeliveryError(f"unexpected answer: {response.text[:200]!r}")
        key = next((k for k in code_keys if k in answer), None)
        if key is None:
            raise DeliveryError(f"answer has no {' or '.join(code_keys)}: {response.text[:200]!r}")
        if answer[key] != 0:
            message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
            raise DeliveryError(f"rejected: {key}={answer[key]} {message}".strip())

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
