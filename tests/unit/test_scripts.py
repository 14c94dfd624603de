"""``scripts/serve``: pip runs only when pyproject.toml changed; otherwise only the
server's lines are printed. Run in a copy of the scripts with a stand-in venv (a
``python`` that records pip calls, a ``workmail-local`` that prints its banner)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _checkout(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    for name in ("setup", "serve"):
        shutil.copy2(ROOT / "scripts" / name, repo / "scripts" / name)
    shutil.copy2(ROOT / "pyproject.toml", repo / "pyproject.toml")
    bin_ = repo / ".venv" / "bin"
    bin_.mkdir(parents=True)
    pip_log = tmp_path / "pip-calls"
    (bin_ / "python").write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "$@" >>{pip_log}; echo "pip noise"; exit 0; fi\n'
        f'exec {sys.executable} "$@"\n')
    (bin_ / "workmail-local").write_text(
        "#!/bin/sh\necho \"WorkMail Local 0.1.0 listening on http://127.0.0.1:8038 ($*)\"\n")
    for tool in bin_.iterdir():
        tool.chmod(0o755)
    return repo, pip_log


def _serve(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(repo / "scripts" / "serve"), "--in-memory"], capture_output=True, text=True,
                          timeout=60)


def test_serve_installs_once_then_prints_only_the_servers_lines(tmp_path: Path) -> None:
    repo, pip_log = _checkout(tmp_path)
    first = _serve(repo)
    assert first.returncode == 0, first
    assert first.stdout == "WorkMail Local 0.1.0 listening on http://127.0.0.1:8038 (serve --in-memory)\n"
    assert "pip noise" not in first.stdout + first.stderr  # pip's output is kept in .venv/setup.log
    calls = pip_log.read_text().splitlines()
    assert any("install --quiet -e .[test]" in call for call in calls)

    second = _serve(repo)
    assert second.returncode == 0 and second.stderr == ""
    assert second.stdout == first.stdout
    assert pip_log.read_text().splitlines() == calls  # no pip this time

    # A change of pyproject.toml installs again.
    (repo / "pyproject.toml").write_text((repo / "pyproject.toml").read_text() + "\n# changed\n")
    third = _serve(repo)
    assert third.returncode == 0 and third.stdout == first.stdout
    assert len(pip_log.read_text().splitlines()) == 2 * len(calls)
