"""The chart: server CPU per request of every measured cell, ours against the limit and the peer.

Runs in bench/.venv-tools (matplotlib is no project dependency):

    bench/.venv-tools/bin/python bench/chart.py bench/results/results.json bench/results/cpu_per_request.png
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first

COLORS = {"bare ASGI": "#7f7f7f", "WorkMail Local": "#1f77b4", "moto": "#ff7f0e"}


def label(cell: dict[str, Any]) -> str:
    parts = [cell["server"], cell["store"], cell["operation"], cell["variant"]]
    return " · ".join(p for p in parts if p)


def draw(results: dict[str, Any], out: Path) -> None:
    """One panel per connection count; a bar per measured cell, log scale; the read and
    write targets (results.json's ``limits``) as lines."""
    limits = results.get("limits", {})
    read_limit, write_limit = limits.get("read"), limits.get("write")
    cells = [c for c in results["cells"] if c["status"] == "measured"]
    connections = sorted({c["connections"] for c in cells})
    rows = list(dict.fromkeys(label(c) for c in cells))
    # Room on the left for the row labels, on the right for the figures beside the bars.
    fig, axes = plt.subplots(1, len(connections), figsize=(5 * len(connections) + 4, 0.3 * len(rows) + 2.2),
                             sharey=True, squeeze=False)
    for ax, conns in zip(axes[0], connections, strict=True):
        by_label = {label(c): c for c in cells if c["connections"] == conns}
        values = [by_label[r]["cpu_us"] if r in by_label else 0 for r in rows]
        colors = [COLORS.get(by_label[r]["server"], "#333") if r in by_label else "#fff" for r in rows]
        ax.barh(range(len(rows)), values, color=colors)
        for y, value in enumerate(values):
            if value:
                ax.text(value * 1.05, y, f"{value:,.0f}", va="center", fontsize=8)
        bares = [c["cpu_us"] for c in cells if c["server"] == "bare ASGI" and c["connections"] == conns]
        bare = sum(bares) / len(bares) if bares else None
        if bare and read_limit and write_limit:
            ax.axvline(bare * read_limit, color="#2ca02c", linestyle="--", linewidth=1,
                       label=f"read target: {read_limit:g}× bare")
            ax.axvline(bare * write_limit, color="#d62728", linestyle=":", linewidth=1,
                       label=f"write target: {write_limit:g}× bare")
        ax.set_xscale("log")
        ax.set_xlim(10, max(values) * 3)  # room for the labels
        ax.set_xlabel("server CPU per request (µs, log scale)")
        ax.set_title(f"{conns} connection{'s' if conns != 1 else ''}")
        ax.grid(axis="x", which="both", alpha=0.3)
    axes[0][0].set_yticks(range(len(rows)), rows, fontsize=8)
    axes[0][0].invert_yaxis()
    fig.suptitle(f"Server CPU per request — {results['run']['date']} ({results['run']['commit']})", fontsize=10)
    handles, labels = axes[0][0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=len(handles), fontsize=8)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(out, dpi=110)


def main() -> None:
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    draw(json.loads(source.read_text()), out)


if __name__ == "__main__":
    main()
