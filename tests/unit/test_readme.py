"""The README's operations table is generated: it must match `workmail-local coverage --markdown`."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from workmail_local.cli import coverage

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_operations_table_is_current() -> None:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        coverage(markdown=True)
    section = re.search(r"<!-- coverage:start -->\n(.*?)<!-- coverage:end -->", README.read_text(), re.S)
    assert section is not None, "README.md lacks the coverage markers"
    assert section.group(1) == buf.getvalue(), "run scripts/update-readme"


def test_readme_quick_start_has_the_two_commands() -> None:
    text = README.read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "scripts/serve" in quick and "scripts/test" in quick
    assert "bash scripts/test" in (README.parent / ".ci" / "run").read_text()
