"""One measured process: wall time and the peak memory of its whole tree."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import psutil


class Runs:
    """The medians of measured runs, for a class with `walls` (seconds) and `peaks` (MiB)."""

    walls: list[float]
    peaks: list[float]

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def peak(self) -> float:
        return statistics.median(self.peaks)


def measure_process(
    command: list[str], env: Mapping[str, str], cwd: Path
) -> tuple[float, float, str]:
    """Wall seconds, peak MiB (the largest sum of RSS over the process tree, sampled every
    20 ms: Python plus jsii's Node, or a tool and its children) and the tail of stderr. A failed
    process stops the benchmark."""
    started = time.perf_counter()
    process = psutil.Popen(
        command, cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0
    while process.poll() is None:
        total = 0
        try:
            for member in [process, *process.children(recursive=True)]:
                total += member.memory_info().rss
        except psutil.Error:
            pass
        peak = max(peak, total)
        time.sleep(0.02)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({process.returncode}):\n{stderr[-3000:]}")
    return wall, peak / 2**20, stderr[-3000:]
