"""In-process: ``mock_workmail()`` against moto's ``mock_aws`` and against botocore's own cost.

Three ways of answering the same boto3 call, identitystore DescribeUser, with no socket:

- **mock_aws**: moto's ``mock_aws()``, its ``before-send`` handler answering from moto's backends;
- **mock_workmail**: ``workmail_local.testing.mock_workmail()``, its ``before-call`` handler
  answering from an in-memory WorkMail Local (as botocore's Stubber answers: the request is
  serialized but not signed, and the answer is parsed by botocore's parser);
- **canned floor**: a client whose ``before-send`` handler returns a ready AWSResponse holding the
  bytes mock_workmail answers: what is left is botocore's own work (parameter validation,
  serialization, signing, parsing), the least any in-process mock can cost.

All three run in ONE interpreter (this project's venv: moto comes with the test extras,
so both share one boto3/botocore), pinned to one core, in interleaved rounds (the order
rotating each round) of a fixed time each; a round's rate is calls ÷ time, and the
best and the median of the rounds are kept. Both mocks stay active through the run, and
each client is left with only its own path's handlers (a mock's handlers are added to
every client made while it is imported or active), so no path pays for another's hook
(botocore calls every ``before-send`` handler, and uses the first answer that is not
None). One traced call per path lists the botocore events it emits and the handlers
registered for each, and which handler answered (at ``before-call`` or ``before-send``).

The suite runs it (:func:`run`) as ``taskset -c 0 .venv/bin/python bench/in_process.py``,
which prints JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ACCOUNT, REGION, SECRET = "123456789012", "us-east-1", "in-process-secret"
MOTO_STORE = "d-9067b2bc4e"  # moto keeps identity stores by whatever ID it is given
PATHS = ("mock_aws", "mock_workmail", "canned floor")


def handler_name(handler: Any) -> str:
    func = getattr(handler, "func", handler)  # functools.partial
    module = getattr(func, "__module__", None) or type(func).__module__
    module = "in_process" if module == "__main__" else module  # this file, run as a script
    name = getattr(func, "__qualname__", None) or type(func).__qualname__
    return f"{module}.{name}"


class CannedAnswer:
    """A ``before-send`` handler answering every request with the same status, headers and body."""

    def __init__(self, headers: dict[str, str], body: bytes) -> None:
        from botocore.awsrequest import AWSResponse

        from workmail_local.testing.mock import StreamBody  # the body mock_workmail answers with

        self._response, self._body, self.headers, self.body = AWSResponse, StreamBody, headers, body

    def __call__(self, request: Any, **_: Any) -> Any:
        return self._response(request.url, 200, self.headers, self._body(self.body))


def trace(client: Any, call: Callable[[], Any]) -> dict[str, Any]:
    """Make one call, noting each event botocore emits, its handlers, and who answered before-send."""
    events = client.meta.events
    seen: list[str] = []
    found: dict[str, Any] = {}
    emit, until = events.emit, events.emit_until_response

    def traced_emit(event_name: str, **kwargs: Any) -> Any:
        seen.append(event_name)
        responses = emit(event_name, **kwargs)
        if event_name.startswith("before-send"):
            # botocore calls every before-send handler and uses the first answer that is not None.
            answers = [(h, r) for h, r in responses if r is not None]
            found["answered_by"] = handler_name(answers[0][0]) if answers else "none: sent to the network"
            found["response"] = answers[0][1] if answers else None
        return responses

    def traced_until(event_name: str, **kwargs: Any) -> Any:
        seen.append(event_name)
        handler, response = until(event_name, **kwargs)
        if event_name.startswith("before-call") and response is not None:
            found["answered_by"] = f"{handler_name(handler)} (before-call)"
            found["response"] = response[0]
        return handler, response

    events.emit, events.emit_until_response = traced_emit, traced_until
    try:
        found["result"] = call()
    finally:
        del events.emit, events.emit_until_response
    handlers = {}
    for name in dict.fromkeys(seen):
        try:  # botocore's private trie: how the emitter finds an event's handlers
            handlers[name] = [handler_name(h) for h in events._emitter._handlers.prefix_search(name)]
        except AttributeError:
            handlers[name] = ["(botocore's emitter changed: handlers not listed)"]
    found["events"] = handlers
    return found


def keep_only_own(client: Any, own: list[tuple[str, Any]], foreign: list[tuple[str, Any]]) -> None:
    """Unregister the other paths' (event, handler) pairs from this client."""
    for event, handler in foreign:
        if (event, handler) not in own:
            client.meta.events.unregister(event, handler)


def setup() -> tuple[dict[str, Callable[[], Any]], dict[str, dict[str, Any]], Callable[[], None]]:
    """The three paths' calls, what one traced call of each showed, and how to end the mocks."""
    import boto3
    from moto import mock_aws
    from moto.core.models import botocore_stubber

    from workmail_local.testing import mock as workmail_mock

    def new_client() -> Any:
        return boto3.session.Session().client("identitystore", region_name=REGION, aws_access_key_id=ACCOUNT,
                                              aws_secret_access_key=SECRET)

    moto = mock_aws()
    moto.start()
    local = workmail_mock.mock_workmail()
    local.__enter__()
    moto_hooks = [("before-send", botocore_stubber)]
    our_hooks = [(event, hook) for event, hook, _ in workmail_mock.HOOKS]
    foreign = moto_hooks + our_hooks
    clients = {name: new_client() for name in PATHS}
    keep_only_own(clients["mock_aws"], moto_hooks, foreign)
    keep_only_own(clients["mock_workmail"], our_hooks, foreign)
    keep_only_own(clients["canned floor"], [], foreign)

    name = {"GivenName": "Bench", "FamilyName": "User"}
    moto_user = clients["mock_aws"].create_user(IdentityStoreId=MOTO_STORE, UserName="bench", DisplayName="Bench",
                                                Name=name)["UserId"]
    sso = boto3.session.Session().client("sso-admin", region_name=REGION, aws_access_key_id=ACCOUNT,
                                         aws_secret_access_key=SECRET)
    keep_only_own(sso, our_hooks, foreign)
    store = sso.list_instances()["Instances"][0]["IdentityStoreId"]
    our_user = clients["mock_workmail"].create_user(IdentityStoreId=store, UserName="bench", DisplayName="Bench",
                                                    Name=name)["UserId"]
    calls: dict[str, Callable[[], Any]] = {
        "mock_aws": lambda: clients["mock_aws"].describe_user(IdentityStoreId=MOTO_STORE, UserId=moto_user),
        "mock_workmail": lambda: clients["mock_workmail"].describe_user(IdentityStoreId=store, UserId=our_user),
    }
    traces = {path: trace(clients[path], calls[path]) for path in calls}
    ours = traces["mock_workmail"]["response"]
    canned = CannedAnswer(dict(ours.headers), ours.content)
    clients["canned floor"].meta.events.register("before-send.identitystore.DescribeUser", canned)
    calls["canned floor"] = lambda: clients["canned floor"].describe_user(IdentityStoreId=store, UserId=our_user)
    traces["canned floor"] = trace(clients["canned floor"], calls["canned floor"])
    expected = {"mock_aws": moto_user, "mock_workmail": our_user, "canned floor": our_user}
    for path, seen in traces.items():
        if seen["result"].get("UserId") != expected[path]:
            raise SystemExit(f"{path} answered {seen['result']}")

    def end() -> None:
        local.__exit__(None, None, None)
        moto.stop()
    return calls, traces, end


def timed(call: Callable[[], Any], seconds: float) -> tuple[int, float]:
    """Calls made in about ``seconds``, and the time they took."""
    gc.collect()
    calls, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(5):
            call()
        calls += 5
        now = time.perf_counter()
        if now >= deadline:
            return calls, now - start


def measure(rounds: int, seconds: float) -> dict[str, Any]:
    """Every path's rates over interleaved rounds, and what its traced call went through."""
    calls, traces, end = setup()
    try:
        for call in calls.values():  # warm-up: caches, lazily loaded models
            timed(call, seconds / 4)
        rates: dict[str, list[float]] = {path: [] for path in PATHS}
        for n in range(rounds):
            for path in PATHS[n % 3:] + PATHS[:n % 3]:
                count, took = timed(calls[path], seconds)
                rates[path].append(count / took)
    finally:
        end()
    import botocore
    out: dict[str, Any] = {"rounds": rounds, "seconds_per_round": seconds, "botocore": botocore.__version__,
                           "python": sys.version.split()[0], "paths": {}}
    for path in PATHS:
        best, median = max(rates[path]), statistics.median(rates[path])
        out["paths"][path] = {"rates": [round(r, 1) for r in rates[path]], "best_calls_per_s": round(best, 1),
                              "median_calls_per_s": round(median, 1), "best_us_per_call": round(1e6 / best, 1),
                              "median_us_per_call": round(1e6 / median, 1),
                              "answered_by": traces[path]["answered_by"], "events": traces[path]["events"]}
    return out


def run(rounds: int, seconds: float) -> dict[str, Any]:
    """The suite's step: this module in the project's venv, pinned to the server core, as
    its own process (moto stays out of the driver); its JSON, or ``{"error": …}``."""
    import os
    import subprocess

    import servers

    argv = [*servers.pinned(servers.SERVER_CORE), str(servers.PROJECT_PYTHON), str(Path(__file__).resolve()),
            "--rounds", str(rounds), "--seconds", str(seconds)]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=servers.ROOT, timeout=rounds * seconds * 3 + 120,
                          env={**os.environ, **servers.source_env()})
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"error": f"exited {done.returncode}: {(done.stderr or done.stdout).strip()[-800:]}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.5, help="seconds per path per round")
    args = parser.parse_args()
    try:
        import moto  # noqa: F401
    except ImportError:
        print(json.dumps({"error": "moto is not installed in this venv (scripts/setup installs it with the "
                                   "test extras)"}))
        return
    print(json.dumps(measure(args.rounds, args.seconds)))


if __name__ == "__main__":
    main()
