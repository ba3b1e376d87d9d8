"""Email over SMTP (smtplib): implicit TLS (``ssl: true``, port 465) or STARTTLS, HTML and plain-text parts.

The Chinese subject is encoded by :mod:`email.message` (RFC 2047); the HTML part was escaped when the notice
was rendered. Credentials come from ``username_env`` / ``password_env``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal

from pydantic import Field, model_validator

from alerts.errors import DeliveryError
from alerts.notifiers.base import ENV_NAME, ChannelOptions, Message, Notifier
from crawlers.configfile import ConfigPath

log = logging.getLogger(__name__)


class EmailOptions(ChannelOptions):
    type: Literal["email"]
    host: str = Field(min_length=1)
    port: int | None = Field(
        default=None, ge=1, le=65535
    )  # default: 465 with ssl, 587 with starttls, else 25
    ssl: bool = False  # implicit TLS from the first byte (SMTPS)
    starttls: bool = False  # upgrade a plain connection with STARTTLS
    ca_file: ConfigPath | None = None  # trust this CA bundle instead of the system's (a private mail relay)
    sender: str = Field(alias="from", min_length=3)
    to: list[str] = Field(min_length=1)
    cc: list[str] = []
    username_env: str | None = Field(default=None, pattern=ENV_NAME)
    password_env: str | None = Field(default=None, pattern=ENV_NAME)
    subject_prefix: str = ""

    @model_validator(mode="after")
    def _one_tls_mode(self) -> EmailOptions:
        if self.ssl and self.starttls:
            raise ValueError(
                "ssl and starttls exclude each other: ssl is TLS from the start, starttls upgrades"
            )
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("give both username_env and password_env, or neither")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or (465 if self.ssl else 587 if self.starttls else 25)


class EmailNotifier(Notifier):
    type_name = "email"
    options_model = EmailOptions
    options: EmailOptions

    def build(self, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = self.options.subject_prefix + message.subject
        mail["From"] = self.options.sender
        mail["To"] = ", ".join(self.options.to)
        if self.options.cc:
            mail["Cc"] = ", ".join(self.options.cc)
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = make_msgid(domain="riskwatch.local")
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        return mail

    def _tls(self) -> ssl.SSLContext:
        ca_file = str(self.options.ca_file) if self.options.ca_file else None
        return ssl.create_default_context(cafile=ca_file)

    def send(self, message: Message) -> None:
        options = self.options
        credentials = None
        if options.username_env and options.password_env:
            credentials = (self.env(options.username_env), self.env(options.password_env))
        mail = self.build(message)
        try:
            if options.ssl:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    options.host, options.effective_port, timeout=options.timeout, context=self._tls()
                )
            else:
                client = smtplib.SMTP(options.host, options.effective_port, timeout=options.timeout)
            with client:
                if options.starttls:
                    client.starttls(context=self._tls())
                if credentials:
                    client.login(*credentials)
                refused = client.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(
                f"SMTP {options.host}:{options.effective_port}: {type(exc).__name__}: {exc}"
            ) from exc
        if refused:
            # Some recipients were accepted: sending again would duplicate theirs, so this counts as sent.
            log.warning("channel %s: recipients refused by %s: %s", self.name, options.host, sorted(refused))
