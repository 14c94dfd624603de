"""The DNS records WorkMail asks an administrator to publish for a registered mail domain.

GetMailDomain reports them: MX, the SES ownership TXT (``_amazonses``), the autodiscover
CNAME, three DKIM CNAMEs, SPF and DMARC — names and CNAME/MX targets with a trailing dot,
in this order. Nothing checks DNS here, so the tokens only need to look real and stay
the same: they are derived from the organization and the domain (HMAC-SHA-256), never
random, and survive a restart without being stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

DKIM_RECORDS = 3


def _digest(organization_id: str, purpose: str, domain: str) -> bytes:
    return hmac.new(organization_id.encode(), f"{purpose}:{domain}".encode(), hashlib.sha256).digest()


def ses_verification_token(organization_id: str, domain: str) -> str:
    """The ``_amazonses`` TXT value: 44 characters of base64, as SES writes it."""
    return base64.b64encode(_digest(organization_id, "amazonses", domain)).decode()


def dkim_tokens(organization_id: str, domain: str) -> list[str]:
    """The three Easy DKIM selectors: 32 characters of lower-case base32 (``[a-z2-7]``) each."""
    return [base64.b32encode(_digest(organization_id, f"dkim{n}", domain)[:20]).decode().lower()
            for n in range(1, DKIM_RECORDS + 1)]


def dns_records(organization_id: str, domain: str, region: str) -> list[dict[str, Any]]:
    """GetMailDomain's ``Records`` for a custom domain of the organization in ``region``."""
    def record(kind: str, hostname: str, value: str) -> dict[str, Any]:
        return {"Type": kind, "Hostname": hostname, "Value": value}

    return [
        record("MX", f"{domain}.", f"10 inbound-smtp.{region}.amazonaws.com."),
        record("TXT", f"_amazonses.{domain}.", ses_verification_token(organization_id, domain)),
        record("CNAME", f"autodiscover.{domain}.", f"autodiscover.mail.{region}.awsapps.com."),
        *(record("CNAME", f"{token}._domainkey.{domain}.", f"{token}.dkim.amazonses.com.")
          for token in dkim_tokens(organization_id, domain)),
        record("TXT", f"{domain}.", "v=spf1 include:amazonses.com ~all"),
        record("TXT", f"_dmarc.{domain}.", "v=DMARC1;p=quarantine;pct=100;fo=1"),
    ]
