"""`python -m platform_storage report`: the access report of the synthesized stacks, written
to `<outdir>/rendered/access-report.md` and `.svg` (what `make synth` writes as well)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from platform_storage.locations import default_outdir
from platform_storage.plan import AppPlan


def _outdir(args: argparse.Namespace) -> Path:
    return Path(args.outdir) if args.outdir else default_outdir()


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("report", help="who reaches what, from the synthesized stacks")
    parser.add_argument("--config", help="configuration file (default: the app's)")
    parser.add_argument("--outdir", help="the synth output directory (default: cdktf.out)")


def check_flags(args: argparse.Namespace) -> None:
    outdir = _outdir(args)
    if not any((outdir / "stacks").glob("*/cdk.tf.json")):
        raise ValueError(f"--outdir {outdir}: no synthesized stacks there; run `make synth` first")


def run(args: argparse.Namespace, plan: AppPlan, stdout: TextIO, stderr: TextIO) -> int:
    from platform_storage.access_report.files import access_report_files
    from platform_storage.analysis import load_stacks
    from platform_storage.render.files import RENDERED_DIR

    outdir = _outdir(args)
    synthesized = load_stacks(str(outdir), plan.stacks)
    missing = [name for name in plan.stacks if name not in synthesized]
    if missing:
        raise ValueError(
            f"--outdir {outdir}: no synthesized stack {', '.join(missing)} of this configuration;"
            " run `make synth` first"
        )
    files = access_report_files(synthesized)
    rendered = outdir / RENDERED_DIR
    rendered.mkdir(parents=True, exist_ok=True)
    for name, file in files.items():
        partial = rendered / f".{name}.partial"
        partial.write_text(file.content, encoding="utf-8")
        partial.replace(rendered / name)
        print(f"wrote {rendered / name}", file=stdout)
    return 0
