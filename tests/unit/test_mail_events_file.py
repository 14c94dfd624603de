"""Where email monitoring events are written: one file per log group, its name unable to
leave the logs directory; with --in-memory a temporary directory made on the first event."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from workmail_local.config import Settings
from workmail_local.mail.events import EventLog, log_file

ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/workmail/../../etc/passwd:*"


def test_a_log_group_name_is_one_file_name_under_account_and_region(tmp_path: Path) -> None:
    path = log_file(tmp_path, ARN)
    assert path.parent == tmp_path / "123456789012" / "eu-west-1"
    assert path.name == "%2Faws%2Fworkmail%2F..%2F..%2Fetc%2Fpasswd.jsonl"


def test_in_memory_servers_write_to_a_temporary_directory_made_on_the_first_event() -> None:
    events = EventLog(Settings(in_memory=True))
    assert events.root is None
    events.write([(ARN, {"event": {"eventName": "MAILBOX_EMAIL_DELIVERED"}, "traceId": "t"})])
    assert events.root is not None and events.root.name.startswith("workmail-local-logs-")
    lines = log_file(events.root, ARN).read_text().splitlines()
    assert [json.loads(line)["traceId"] for line in lines] == ["t"]
    shutil.rmtree(events.root)


def test_a_data_directory_server_writes_under_its_logs_folder(tmp_path: Path) -> None:
    events = EventLog(Settings(data_dir=tmp_path))
    assert events.root == tmp_path / "logs"
