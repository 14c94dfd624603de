"""Run many AWS CLI command lines in one process: what the ``aws`` script does, once per line.

    python -m tests.clients.cli_batch   # stdin: one JSON argv list per line
                                        # stdout: one {"rc", "stdout", "stderr"} per line

The ``aws`` script is ``sys.exit(awscli.clidriver.main())``, and ``main()`` builds a fresh
driver and runs one command line; this does the same per line, saving the interpreter
start-up and awscli's import (about a second a command). It must run in a process of its
own: importing awscli 1.x replaces ``botocore`` with the copy awscli vendors.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys


def main() -> None:
    import awscli.clidriver

    protocol_out = sys.stdout
    for line in sys.stdin:
        argv = json.loads(line)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = awscli.clidriver.create_clidriver().main(argv)
            except SystemExit as exit_:  # argument errors exit as the script would
                rc = exit_.code if isinstance(exit_.code, int) else 255
        protocol_out.write(json.dumps({"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()}) + "\n")
        protocol_out.flush()


if __name__ == "__main__":
    main()
