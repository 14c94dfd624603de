"""TestAvailabilityConfiguration's real checks: an HTTP request to the provider.

- EWS: ``POST`` a small SOAP request (``GetServerTimeZones``) to the EWS endpoint with
  HTTP Basic credentials. Any 2xx passes; anything else fails with what happened
  (``HTTP 401 Unauthorized …``, ``connection refused``, ``timed out …``).
- Lambda: there is no Lambda runtime here. A Lambda ARN mapped to a local HTTP endpoint
  (``serve --availability-lambda-endpoints ARN=URL``) gets the availability request JSON
  WorkMail sends a custom availability provider (``requester``, ``mailboxes``,
  ``window``) as a ``POST``; it passes when it answers 2xx with a JSON object holding a
  ``mailboxes`` list. An unmapped ARN fails and says why.

Each check is a pure function of its arguments, run through ``slow`` (off the event loop,
outside the request's transaction).
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 5.0

_EWS_PROBE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"'
    ' xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">'
    '<soap:Header><t:RequestServerVersion Version="Exchange2010_SP2"/></soap:Header>'
    '<soap:Body><m:GetServerTimeZones ReturnFullTimeZoneData="false"/></soap:Body></soap:Envelope>'
).encode()


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, bytes, str]:
    """``(status, body, problem)``: the HTTP status and body, or ``None`` and what went wrong."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only
            return response.status, response.read(1 << 20), ""
    except urllib.error.HTTPError as exc:
        return exc.code, b"", f"HTTP {exc.code} {exc.reason}"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError):
            return None, b"", f"Could not connect to {url}: connection refused"
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return None, b"", f"No answer from {url} within {TIMEOUT_SECONDS:g} seconds (timed out)"
        if isinstance(reason, ssl.SSLError):
            return None, b"", f"TLS with {url} failed: {reason}"
        return None, b"", f"Could not reach {url}: {reason}"
    except (TimeoutError, socket.timeout):
        return None, b"", f"No answer from {url} within {TIMEOUT_SECONDS:g} seconds (timed out)"
    except (OSError, ValueError) as exc:
        return None, b"", f"Could not reach {url}: {exc}"


def check_ews(endpoint: str, username: str, password: str) -> tuple[bool, str | None]:
    """``(passed, failure reason)`` of an EWS endpoint with these credentials."""
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    status, _, problem = _post(endpoint, _EWS_PROBE, {
        "Content-Type": "text/xml; charset=utf-8", "Authorization": f"Basic {credentials}"})
    if status is not None and 200 <= status < 300:
        return True, None
    if status in (401, 403):
        return False, f"{problem}: the EWS endpoint {endpoint} refused the credentials of {username}"
    if status is not None:
        return False, f"{problem} from the EWS endpoint {endpoint}"
    return False, problem


def check_lambda(arn: str, url: str | None, request_json: str) -> tuple[bool, str | None]:
    """``(passed, failure reason)`` of a Lambda provider, through its local stand-in ``url``."""
    if url is None:
        return False, (f"The Lambda function {arn} cannot be invoked: WorkMail Local has no Lambda runtime. Map "
                       "the ARN to a local HTTP endpoint with serve --availability-lambda-endpoints ARN=URL.")
    status, body, problem = _post(url, request_json.encode(), {"Content-Type": "application/json"})
    if status is None or not 200 <= status < 300:
        return False, f"The Lambda function {arn} (at {url}) failed: {problem}"
    try:
        answer = json.loads(body)
    except ValueError:
        return False, f"The Lambda function {arn} (at {url}) did not answer JSON"
    if not isinstance(answer, dict) or not isinstance(answer.get("mailboxes"), list):
        return False, f"The Lambda function {arn} (at {url}) answered without a mailboxes list"
    return True, None
