"""`make bench`: whole-process timings and peak memory, side by side on one machine in one run.

Each scenario runs once to warm the file cache, then `--runs` times; the tables give the median
with min and max, and ratios between scenarios measured in the same run (the machines are
shared and noisy, so absolute seconds move between runs while ratios hold). Peak memory is the
largest sum of RSS over the process tree (Python plus the jsii Node process), sampled every 20 ms.

Writes BENCHMARKS.md, one PNG per core (synth time against runner count) and the figures block
of README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.process import Runs, measure_process

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RUNNER_COUNTS = (1, 10, 50, 200)
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


@dataclass
class Scenario(Runs):
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    walls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)

    def row(self, baseline: Scenario | None = None) -> list[str]:
        ratio = f"{self.wall / baseline.wall:.2f}x" if baseline else ""
        return [
            self.name,
            f"{self.wall:.2f}",
            f"{min(self.walls):.2f} - {max(self.walls):.2f}",
            f"{self.peak:.0f}",
            ratio,
        ]


def measure(scenario: Scenario, cwd: Path) -> tuple[float, float]:
    wall, peak, _ = measure_process(scenario.command, {**os.environ, **scenario.env}, cwd)
    return wall, peak


def run(scenarios: Sequence[Scenario], runs: int, cwd: Path) -> None:
    """Warm-up, then rounds in turn (not all runs of one scenario back to back), so that a
    noisy minute falls on every scenario alike."""
    for scenario in scenarios:
        measure(scenario, cwd)
    for round_ in range(runs):
        for scenario in scenarios:
            wall, peak = measure(scenario, cwd)
            scenario.walls.append(wall)
            scenario.peaks.append(peak)
            print(f"  round {round_ + 1}: {scenario.name}: {wall:.2f} s, {peak:.0f} MiB")


def runners_config(count: int) -> dict[str, object]:
    """An orchestrator-only configuration with `count` runners of the three kinds."""
    runners = []
    for index in range(count):
        kind = index % 3
        runner: dict[str, object] = {"id": f"runner-{index}", "path_prefix": f"runners/r{index}"}
        if kind == 0:
            runner |= {
                "type": "kubernetes-eks",
                "namespace": f"ns-{index}",
                "service_account": "runner",
            }
        elif kind == 1:
            runner |= {"type": "serverless-ecs"}
        else:
            runner |= {
                "type": "kubernetes-gke",
                "oidc": {
                    "issuer": "https://container.googleapis.com/v1/projects/p/locations/l/clusters/c",
                    "subject": f"system:serviceaccount:ns-{index}:runner",
                },
            }
        runners.append(runner)
    return {
        "aws": {"account_id": "123456789012", "region": "us-east-2"},
        "eks": {"oidc_issuer": "https://oidc.eks.us-east-2.amazonaws.com/id/EXAMPLE"},
        "orchestrator": {"state_bucket": {"name": "bench-runner-tfstate"}, "runners": runners},
    }


@dataclass
class CoreResults:
    core: str
    versions: str
    app: Scenario
    minimal: Scenario
    runners: list[Scenario]
    # The access report alone, on the stacks of the smallest and the largest runner count.
    reports: tuple[Scenario, Scenario]

    def growth_without_report(self) -> float:
        """200 runners / 1 runner with the report's growth taken out: the largest count's synth
        less what its report costs beyond the smallest count's, measured as whole processes
        (`report` alone on each output; the process start-up cancels in the difference). A
        floor: the synth overlaps part of the report with Node's write of the last stack."""
        smallest, largest = self.reports
        return (self.runners[-1].wall - (largest.wall - smallest.wall)) / self.runners[0].wall


def bench_core(core: str, python: Path, runs: int, work: Path) -> CoreResults:
    env = {"PLATFORM_STORAGE_CDK": core}
    # One output directory per app: a synth leaves other apps' stacks in place, and the report
    # below reads every stack of its directory.
    outdir = str(work / f"out-{core}")
    app = Scenario(
        f"default app ({core})",
        [str(python), str(ROOT / "main.py")],
        {**env, "CDKTF_OUTDIR": outdir, "PLATFORM_STORAGE_CONFIG": str(ROOT / "storage.yaml")},
    )
    minimal = Scenario(
        f"one-bucket app ({core})",
        [str(python), str(BENCH / "minimal_app.py")],
        {**env, "CDKTF_OUTDIR": outdir + "-minimal"},
    )
    runners = []
    for count in RUNNER_COUNTS:
        path = work / f"runners-{count}.yaml"
        path.write_text(yaml.safe_dump(runners_config(count), sort_keys=False))
        runners.append(
            Scenario(
                f"{count} runners ({core})",
                [str(python), str(ROOT / "main.py")],
                {
                    **env,
                    "CDKTF_OUTDIR": f"{outdir}-runners-{count}",
                    "PLATFORM_STORAGE_CONFIG": str(path),
                },
            )
        )
    # Each reads the output its runner count synthesized (first in the warm-up round).
    smallest, largest = (
        Scenario(
            f"access report alone, {count} runner{'s' if count > 1 else ''} ({core})",
            [
                *(str(python), "-m", "platform_storage", "report"),
                *("--outdir", f"{outdir}-runners-{count}"),
            ],
            {**env, "PLATFORM_STORAGE_CONFIG": str(work / f"runners-{count}.yaml")},
        )
        for count in (RUNNER_COUNTS[0], RUNNER_COUNTS[-1])
    )
    print(f"{core}: default app vs one-bucket app, and 1-200 runners")
    run([app, minimal, *runners, smallest, largest], runs, ROOT)
    versions = subprocess.run(
        [str(python), str(BENCH / "minimal_app.py"), "--versions"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=True,
    ).stdout.strip()
    return CoreResults(core, versions, app, minimal, runners, (smallest, largest))


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def verdict(value: float, limit: float) -> str:
    return f"{value:.2f} (target <= {limit}: {'met' if value <= limit else 'MISSED'})"


def chart(results: CoreResults) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 3.5))
    counts = list(RUNNER_COUNTS)
    axis.errorbar(
        counts,
        [s.wall for s in results.runners],
        yerr=[
            [s.wall - min(s.walls) for s in results.runners],
            [max(s.walls) - s.wall for s in results.runners],
        ],
        marker="o",
        capsize=3,
        label="orchestrator stack",
    )
    axis.axhline(results.minimal.wall, color="grey", linestyle="--", label="one-bucket app")
    axis.set_xscale("log")
    axis.set_xticks(counts, [str(c) for c in counts])
    axis.set_ylim(bottom=0)
    axis.set_xlabel("runners")
    axis.set_ylabel("synth, whole process (s)")
    axis.set_title(f"Synthesis time vs runner count ({results.core})")
    axis.legend()
    figure.tight_layout()
    path = BENCH / f"runners-{results.core}.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--core", action="append", help="cdktf and/or cdktn (default: every installed core)"
    )
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--skip-day-two", action="store_true", help="no migrate/state figures")
    parser.add_argument("--aws", type=Path, default=ROOT / ".venv-awscli/bin/aws")
    args = parser.parse_args(argv)

    pythons = {"cdktf": ROOT / ".venv/bin/python", "cdktn": ROOT / ".venv-cdktn/bin/python"}
    cores = args.core or [c for c, p in pythons.items() if p.exists()]
    with tempfile.TemporaryDirectory(prefix="platform-storage-bench-") as tmp:
        work = Path(tmp)
        results = [bench_core(core, pythons[core], args.runs, work) for core in cores]
        python = pythons[cores[0]]
        validate = Scenario(
            "validate storage.yaml",
            [str(python), "-m", "platform_storage", "validate"],
            {"PLATFORM_STORAGE_CDK": cores[0]},
        )
        print("validate")
        run([validate], max(args.runs, 5), ROOT)
        suite = None
        if not args.skip_tests:
            suite = Scenario(
                f"test suite ({cores[0]})",
                [
                    str(python),
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "-x",
                    "-m",
                    "not slow",
                ],
                {"PLATFORM_STORAGE_CDK": cores[0]},
            )
            print("test suite (one warm-up, one timed run)")
            run([suite], 1, ROOT)
    day_two = None
    if not args.skip_day_two:
        from bench.transfer import bench_day_two

        day_two = bench_day_two(pythons[cores[0]], args.aws, print)
    write_report(results, validate, suite, day_two)
    return 0


def write_report(
    results: list[CoreResults],
    validate: Scenario,
    suite: Scenario | None,
    day_two: dict[str, Any] | None = None,
) -> None:
    machine = (
        f"{platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}, "
        f"Node {_node_version()}"
    )
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Machine: {machine}.",
        "Whole processes; median of the timed runs after one warm-up, min - max beside it;",
        "peak memory is the process tree's (Python + jsii's Node). Ratios compare scenarios",
        "measured in the same run.",
        "",
    ]
    summary = []
    header = ["scenario", "median s", "min - max s", "peak MiB", "ratio"]
    for result in results:
        lines += [f"## {result.core} ({result.versions})", ""]
        ratio = result.app.wall / result.minimal.wall
        lines += table(header, [result.minimal.row(), result.app.row(result.minimal)])
        lines += ["", f"Default app / one-bucket app: {verdict(ratio, 1.15)}", ""]
        first = result.runners[0]
        lines += table(header, [s.row(first) for s in result.runners])
        growth = result.runners[-1].wall / first.wall
        lines += [
            "",
            f"200 runners / 1 runner: {verdict(growth, 1.5)}",
            "",
            "Part of every synth is the access report (who reaches what, proven per identity)."
            " Alone, in its own process (`python -m platform_storage report`):",
            "",
        ]
        lines += table(header, [s.row() for s in result.reports])
        lines += [
            "",
            "200 runners / 1 runner without the report's growth (the 200-runner synth less"
            " what its report costs beyond the 1-runner one's; a floor, since the synth"
            " computes the report while Node writes the last stack, which hides part of that"
            " cost):"
            f" {result.growth_without_report():.2f}",
            "",
            f"![synth time vs runners]({chart(result).relative_to(ROOT)})",
            "",
        ]
        summary.append(
            f"| {result.core} | {result.minimal.wall:.1f} s | {result.app.wall:.1f} s "
            f"({ratio:.2f}x) | {first.wall:.1f} s | {result.runners[-1].wall:.1f} s "
            f"({growth:.2f}x) | {result.app.peak:.0f} MiB |"
        )
    if {r.core for r in results} == {"cdktf", "cdktn"}:
        by_core = {r.core: r for r in results}
        cores_ratio = by_core["cdktn"].app.wall / by_core["cdktf"].app.wall
        lines += [
            "## Cores side by side",
            "",
            f"Default app, cdktn / cdktf: {verdict(cores_ratio, 0.35)}",
            "",
        ]
    lines += ["## Without the CDK", ""]
    lines += table(header, [validate.row()])
    lines += ["", f"validate: {verdict(validate.wall, 1.0)} s", ""]
    if suite is not None:
        lines += table(header, [suite.row()])
        lines += ["", f"test suite without slow-marked tests: {verdict(suite.wall, 60.0)} s", ""]
    if day_two is not None:
        lines += day_two_section(day_two)
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines))

    block = [
        README_START,
        "| core | one-bucket app | default app | 1 runner | 200 runners | default app peak |",
        "|---|---|---|---|---|---|",
        *summary,
        "",
        f"`validate`: {validate.wall:.2f} s."
        + (f" Test suite without slow-marked tests: {suite.wall:.0f} s." if suite else "")
        + " From BENCHMARKS.md (`make bench`); do not edit by hand.",
        *day_two_summary(day_two),
        README_END,
    ]
    readme = (ROOT / "README.md").read_text()
    if README_START in readme:
        before, _, rest = readme.partition(README_START)
        _, _, after = rest.partition(README_END)
        (ROOT / "README.md").write_text(before + "\n".join(block) + after)
    print((ROOT / "BENCHMARKS.md").read_text())


def day_two_section(day_two: dict[str, Any]) -> list[str]:
    transfers = day_two["transfers"]
    lines = [
        "## Day two: migrate against rclone and aws s3 sync",
        "",
        "Two local S3 APIs (moto's server); the source holds 10,000 objects of 0.5-4 KiB and 20"
        " of 50 MB (uploaded in parts). Each tool copies everything into an empty bucket, 8"
        f" objects at a time. `migrate` and `rclone` run {len(transfers[0].walls)} times each,"
        " alternated; the figures are medians, with the range of the runs beside the time."
        " `aws s3 sync` runs once. `migrate` verifies every object (the verdicts are in its"
        " report); `rclone --checksum` compares MD5s where the ETag is one; `aws s3 sync` has"
        " no endpoint per side, so it goes down to disk and up again.",
        "",
    ]
    header = ["tool", "objects", "MB", "runs", "seconds", "objects/s", "MB/s", "peak MiB"]
    lines += table(header, [transfer_row(t) for t in transfers])
    ours = transfers[0]
    rclone = next((t for t in transfers if t.tool.startswith("rclone")), None)
    lines.append("")
    if rclone is not None:
        ratio = ours.wall / rclone.wall
        lines.append(
            f"migrate time / rclone time: {verdict(ratio, 1.0)} (objects/s"
            f" {ours.objects_per_s / rclone.objects_per_s:.2f}x, MB/s"
            f" {ours.mb_per_s / rclone.mb_per_s:.2f}x rclone's)"
        )
    for missing in day_two["missing"]:
        lines.append(f"Not measured: {missing} is not installed.")
    flat = day_two.get("flatness", [])
    if len(flat) == 2:
        growth = flat[1].peak / flat[0].peak
        lines.append("")
        lines += table(header, [transfer_row(t) for t in flat])
        lines += ["", f"Peak memory, 10,000 / 1,000 objects: {verdict(growth, 1.25)}"]
    history = day_two.get("history")
    if history is not None:
        wall, peak, versions = history
        lines += [
            "",
            f"`state history` over {versions:,} versions: {peak:.0f} MiB peak; seconds:"
            f" {verdict(wall, 15.0)}",
        ]
    lines += ["", f"![day two]({day_two_chart(day_two).relative_to(ROOT)})", ""]
    return lines


def day_two_summary(day_two: dict[str, Any] | None) -> list[str]:
    """The README's lines: each tool's throughput on the same data, and `state history`."""
    if day_two is None:
        return []
    tools = "; ".join(
        f"{t.tool.split(' (')[0]} {t.objects_per_s:.0f} objects/s, {t.mb_per_s:.1f} MB/s,"
        f" {t.peak:.0f} MiB"
        for t in day_two["transfers"]
    )
    lines = ["", f"Day two, 10,000 small objects + 20 x 50 MB between two local S3 APIs: {tools}."]
    if day_two.get("history") is not None:
        wall, _, versions = day_two["history"]
        lines.append(f"`state history` over {versions:,} versions: {wall:.1f} s.")
    return lines


def transfer_row(t: Any) -> list[str]:
    spread = f" ({min(t.walls):.1f} - {max(t.walls):.1f})" if len(t.walls) > 1 else ""
    return [
        t.tool,
        str(t.objects),
        f"{t.nbytes / 2**20:.0f}",
        str(len(t.walls)),
        f"{t.wall:.1f}{spread}",
        f"{t.objects_per_s:.0f}",
        f"{t.mb_per_s:.1f}",
        f"{t.peak:.0f}",
    ]


def day_two_chart(day_two: dict[str, Any]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    transfers = day_two["transfers"]
    names = [t.tool.split(" (")[0] for t in transfers]
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(12, 3.5))
    left.bar(names, [t.objects_per_s for t in transfers], color="#4c72b0")
    left.set_title("objects/s (higher is better)")
    middle.bar(names, [t.mb_per_s for t in transfers], color="#55a868")
    middle.set_title("MB/s (higher is better)")
    right.bar(names, [t.peak for t in transfers], color="#c44e52")
    right.set_title("peak MiB (lower is better)")
    for axis in (left, middle, right):
        axis.tick_params(axis="x", labelrotation=20, labelsize=7)
    figure.suptitle("10,000 small objects + 20 x 50 MB between two local S3 APIs")
    figure.tight_layout()
    path = BENCH / "day-two.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _node_version() -> str:
    node = os.environ.get("JSII_NODE", "node")
    try:
        return subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
