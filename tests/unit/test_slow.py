"""The slow-work mechanism (workmail_local.slow): inline outside ASGI, in rounds inside."""

from __future__ import annotations

import asyncio
import threading

from workmail_local.slow import MAX_ROUNDS, in_rounds, slow


def test_outside_a_request_slow_work_runs_inline() -> None:
    assert slow(threading.current_thread) is threading.current_thread()


def test_a_request_runs_again_with_the_result_computed_off_the_loop() -> None:
    runs: list[str] = []

    def thread_name() -> str:
        return threading.current_thread().name

    def answer() -> tuple[str, str]:
        runs.append("run")
        return slow(thread_name), thread_name()

    worker, loop_thread = asyncio.run(in_rounds(answer))
    assert runs == ["run", "run"]
    assert worker != loop_thread and worker.startswith("workmail-slow")


def test_a_request_needing_ever_new_work_finishes_inline_after_the_last_round() -> None:
    calls = iter(range(100))

    def answer() -> int:
        return slow(str, next(calls))  # other arguments every run: never a remembered result

    assert asyncio.run(in_rounds(answer)) == str(MAX_ROUNDS)


def test_requests_without_slow_work_run_once() -> None:
    runs: list[int] = []
    assert asyncio.run(in_rounds(lambda: runs.append(1) or "done")) == "done"
    assert runs == [1]
