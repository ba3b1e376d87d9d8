"""A local outbox folder: each message appended as one JSON line to ``<path>/alerts.jsonl``.

For the demo and for sites that pick alerts up from disk; it needs no server.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from alerts.errors import DeliveryError
from alerts.notifiers.base import ChannelOptions, Message, Notifier
from crawlers.configfile import ConfigPath

OUTBOX_FILE = "alerts.jsonl"


class FileOptions(ChannelOptions):
    type: Literal["file"]
    path: ConfigPath  # a folder; relative paths are read from the main config file's folder


class FileNotifier(Notifier):
    type_name = "file"
    options_model = FileOptions
    options: FileOptions

    def send(self, message: Message) -> None:
        record = {
            "channel": self.name,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "subject": message.subject,
            "text": message.text,
            **message.data,
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            folder = Path(self.options.path)
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / OUTBOX_FILE, "a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise DeliveryError(f"cannot write {self.options.path}/{OUTBOX_FILE}: {exc}") from exc
