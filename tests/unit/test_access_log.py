"""The request log's lines: their fields escaped, their latency and timestamp, and the
bounds of the memos that keep the hot path from formatting the same text again."""

from __future__ import annotations

import io
import re
import time

from workmail_local import access_log
from workmail_local.access_log import AccessLog, elapsed_ms, escape

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (.*)$")


def lines_of(log: AccessLog) -> list[str]:
    log.flush()
    assert isinstance(log.stream, io.StringIO)
    out = []
    for line in log.stream.getvalue().splitlines():
        found = LINE.match(line)
        assert found, line
        out.append(found.group(1))
    return out


def test_a_request_line_has_its_fields_and_latency() -> None:
    log = AccessLog(stream=io.StringIO())
    log.request("DescribeUser", "111122223333", "eu-west-1", 200, "-", time.perf_counter(), "req-1")
    log.request("DescribeUser", "111122223333", "eu-west-1", 400, "EntityNotFoundException",
                time.perf_counter() - 0.0123, "req-2")
    first, second = lines_of(log)
    assert re.fullmatch(r"DescribeUser account=111122223333 region=eu-west-1 status=200 error=- \d+\.\dms", first)
    assert second.startswith("DescribeUser account=111122223333 region=eu-west-1 status=400 "
                             "error=EntityNotFoundException ")
    assert 12.0 <= float(second.rpartition(" ")[2].removesuffix("ms")) < 1000


def test_only_a_server_fault_names_its_request_id() -> None:
    log = AccessLog(stream=io.StringIO())
    log.request("ListUsers", "1", "r", 500, "InternalFailure", time.perf_counter(), "req-9")
    log.request("ListUsers", "1", "r", 400, "ValidationException", time.perf_counter(), "req-10")
    fault, refused = lines_of(log)
    assert fault.endswith(" request_id=req-9")
    assert "request_id" not in refused


def test_fields_from_the_client_are_escaped_every_time() -> None:
    log = AccessLog(stream=io.StringIO())
    for _ in range(2):  # the second line comes from the memo: it must be the same
        log.request("Op", "1", "eu west\n1", 200, "-", time.perf_counter(), "r")
    assert all("region=eu\\x20west\\x0a1 " in line for line in lines_of(log))
    assert escape("a\\b c") == "a\\\\b\\x20c"
    assert escape("a\\b c") == "a\\\\b\\x20c"  # remembered, and the same


def test_the_memos_stay_bounded() -> None:
    access_log._ESCAPED.clear()
    long_field = "x" * (access_log.REMEMBERED_LENGTH + 1)
    assert escape(long_field) == long_field
    assert long_field not in access_log._ESCAPED
    for i in range(access_log.REMEMBERED + 10):
        escape(f"field-{i}")
    assert len(access_log._ESCAPED) <= access_log.REMEMBERED
    log = AccessLog(stream=io.StringIO())
    for i in range(access_log.REMEMBERED + 10):
        log.request("Op", str(i), "r", 200, "-", time.perf_counter(), "x")
    assert len(log._starts) <= access_log.REMEMBERED
    assert len(lines_of(log)) == access_log.REMEMBERED + 10


def test_elapsed_is_in_tenths_of_a_millisecond() -> None:
    assert re.fullmatch(r"\d+\.\dms", elapsed_ms(time.perf_counter()))
    assert float(elapsed_ms(time.perf_counter() - 2.5).removesuffix("ms")) >= 2500.0


def test_a_disabled_log_writes_nothing() -> None:
    log = AccessLog(enabled=False, stream=io.StringIO())
    log.request("Op", "1", "r", 200, "-", time.perf_counter(), "x")
    log.write("anything")
    assert lines_of(log) == []
