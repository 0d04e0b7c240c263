"""Command line: `python -m platform_storage validate|render|synth`, the day-two commands
`migrate|state|report`, and the app entry point.

Validation never imports the CDK, so a bad file is reported in a fraction of a second, with every
problem on its own line as `<path>: <problem>`, exit status 2, and nothing written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from platform_storage.access_report import command as report_command
from platform_storage.config import ConfigError
from platform_storage.locations import config_path, default_outdir
from platform_storage.migrate import command as migrate_command
from platform_storage.plan import AppPlan, StaticKeys, load_plan
from platform_storage.state import command as state_command

if TYPE_CHECKING:
    from platform_storage.render.files import RenderedFiles

EXIT_INVALID = 2
MAX_PROBLEMS = 100
MAX_LINE = 500


class DayTwoCommand(Protocol):
    """A day-two command module: adds its parser, checks its flags (before the configuration
    loads), runs with the plan; `ValueError` is a usage error (exit 2)."""

    def add_parser(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...

    def check_flags(self, args: argparse.Namespace) -> None: ...

    def run(
        self, args: argparse.Namespace, plan: AppPlan, stdout: TextIO, stderr: TextIO
    ) -> int: ...


DAY_TWO: dict[str, DayTwoCommand] = {
    "migrate": migrate_command,
    "state": state_command,
    "report": report_command,
}


def load_or_report(path: Path, stderr: TextIO) -> AppPlan | None:
    try:
        return load_plan(path)
    except ConfigError as error:
        print(f"{path}: {len(error.problems)} problem(s):", file=stderr)
        for where, what in error.problems[:MAX_PROBLEMS]:
            # One line per problem, whatever a value held, and of a readable length.
            line = f"{where}: {what}".replace("\r", "\\r").replace("\n", "\\n")
            print(line if len(line) <= MAX_LINE else line[:MAX_LINE] + " [...]", file=stderr)
        if len(error.problems) > MAX_PROBLEMS:
            print(f"({len(error.problems) - MAX_PROBLEMS} more problems not shown)", file=stderr)
        return None


def read_outputs(path: Path, outdir: Path) -> dict[str, str]:
    """Terraform outputs by name (logical id), from any of:

    - `cdktf output --outputs-file F --outputs-file-include-sensitive-outputs`: values nested by
      stack and construct path, mapped back to names through each stack's `//.outputs` map in
      `<outdir>/stacks/<stack>/cdk.tf.json`;
    - `terraform output -json` in a stack directory: `{name: {"value": v, ...}}`;
    - a flat `{name: value}` object.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, Mapping):
        raise ValueError("the outputs file must hold a JSON object")
    found: dict[str, str] = {}
    for stack, tree in data.items():
        manifest = outdir / "stacks" / stack / "cdk.tf.json"
        if isinstance(tree, Mapping) and manifest.is_file():
            names = json.loads(manifest.read_text()).get("//", {}).get("outputs", {})
            _pair(names.get(stack, {}), tree, found)
    for name, value in data.items():
        if isinstance(value, str):
            found.setdefault(name, value)
        elif isinstance(value, Mapping) and isinstance(value.get("value"), str):
            found.setdefault(name, value["value"])
    return found


def _pair(names: Mapping[str, Any], values: Mapping[str, Any], found: dict[str, str]) -> None:
    for key, name in names.items():
        value = values.get(key)
        if isinstance(name, str) and isinstance(value, str):
            found[name] = value
        elif isinstance(name, Mapping) and isinstance(value, Mapping):
            _pair(name, value, found)


def main(
    argv: Sequence[str] | None = None, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr
) -> int:
    parser = argparse.ArgumentParser(prog="python -m platform_storage")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check a configuration file, load no CDK")
    validate.add_argument("file", nargs="?")
    render = commands.add_parser("render", help="write rendered/ (with --outputs: static keys)")
    render.add_argument("file", nargs="?")
    render.add_argument("--outputs", type=Path, help="JSON of the deployed stacks' outputs")
    render.add_argument("--outdir", type=Path, default=None)
    synth = commands.add_parser("synth", help="synthesize the stacks and render (no CDKTF CLI)")
    synth.add_argument("file", nargs="?")
    for command in DAY_TWO.values():
        command.add_parser(commands)
    args = parser.parse_args(argv)

    day_two = DAY_TWO.get(args.command)
    if day_two is not None:
        try:
            day_two.check_flags(args)
        except ValueError as error:
            print(f"{args.command}: {error}", file=stderr)
            return EXIT_INVALID
    path = config_path(getattr(args, "file", None) or getattr(args, "config", None))
    plan = load_or_report(path, stderr)
    if plan is None:
        return EXIT_INVALID
    if day_two is not None:
        try:
            return day_two.run(args, plan, stdout, stderr)
        except ValueError as error:
            print(f"{args.command}: {error}", file=stderr)
            return EXIT_INVALID
    if args.command == "validate":
        print(f"{path}: valid", file=stdout)
        return 0
    if args.command == "render":
        return _render(plan, args.outputs, args.outdir, stdout, stderr)
    return run_synth(plan, stdout, stderr)


def _render(
    plan: AppPlan,
    outputs: Path | None,
    outdir: Path | None,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    from platform_storage.access_report.files import access_report_files
    from platform_storage.analysis import load_stacks
    from platform_storage.render.files import render, write_rendered

    keys = None
    if outputs is not None:
        try:
            keys = read_outputs(outputs, outdir or default_outdir())
        except (OSError, ValueError) as error:
            print(f"--outputs {outputs}: cannot be read as JSON outputs ({error})", file=stderr)
            return EXIT_INVALID
        wanted = [
            name
            for identity in plan.identities
            if isinstance(identity, StaticKeys)
            for name in (identity.outputs.access_key_id, identity.outputs.secret_access_key)
        ]
        runners = plan.orchestrator.runners if plan.orchestrator else ()
        wanted += [
            name
            for runner in runners
            if runner.keys_in_secrets and isinstance(runner.identity, StaticKeys)
            for name in (
                runner.identity.outputs.access_key_id_secret_arn,
                runner.identity.outputs.secret_access_key_secret_arn,
            )
        ]
        absent = [name for name in wanted if name not in keys]
        if absent:
            print(
                f"--outputs {outputs}: lacks {', '.join(absent)} (deploy first, then `cdktf"
                " output --outputs-file <file> --outputs-file-include-sensitive-outputs`, with"
                " the synthesized stacks still in the output directory)",
                file=stderr,
            )
            return EXIT_INVALID
    target = outdir or default_outdir()
    files = render(plan, keys).by_path(plan)
    # rendered/ is replaced as a whole: the access report of the synthesized stacks stays in it.
    files.update(access_report_files(load_stacks(str(target), plan.stacks)))
    written = write_rendered(target, files)
    secret = [name for name, file in files.items() if file.secret]
    for name in sorted(files):
        print(
            f"wrote {written / name}" + (" (mode 0600: holds a secret)" if name in secret else ""),
            file=stdout,
        )
    return 0


def synthesize(plan: AppPlan, outdir: str | None = None) -> tuple[Path, Path]:
    """Load the CDK (only now) and `app.synth_and_render` the plan.

    Node takes seconds to load the AWS provider while Python waits on its pipe, so the plan's
    documents are rendered, and the access report's modules (Z3, networkx) imported, on a
    second thread meanwhile; neither loads the CDK, so the two threads import disjoint modules.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="render") as pool:
        rendered = pool.submit(_render_for_synth, plan)
        import platform_storage.cdk  # noqa: F401  (the load, on this thread meanwhile)

        files = rendered.result()
    from platform_storage.app import synth_and_render

    return synth_and_render(plan, outdir, files=files)


def _render_for_synth(plan: AppPlan) -> RenderedFiles:
    import platform_storage.access_report.files  # noqa: F401
    from platform_storage.render.files import render

    return render(plan)


def run_synth(plan: AppPlan, stdout: TextIO, stderr: TextIO, outdir: str | None = None) -> int:
    """Synthesize and render; list what was written."""
    try:
        out, rendered = synthesize(plan, outdir)
    except (RuntimeError, ValueError) as error:
        print(synth_error(error), file=stderr)
        return 1
    for path in sorted(out.glob("stacks/*/cdk.tf.json")):
        print(f"wrote {path}", file=stdout)
    for path in sorted(p for p in rendered.rglob("*") if p.is_file()):
        print(f"wrote {path}", file=stdout)
    return 0


def app_main() -> int:
    """`main.py`: what `cdktf synth` / `cdktf deploy` run. Output dir: $CDKTF_OUTDIR (CDKTF)."""
    plan = load_or_report(config_path(), sys.stderr)
    if plan is None:
        return EXIT_INVALID
    try:
        synthesize(plan)
    except (RuntimeError, ValueError) as error:
        print(synth_error(error), file=sys.stderr)
        return 1
    return 0


def synth_error(error: Exception) -> str:
    """A failed synth in a few lines: a broken invariant (error annotations, from jsii) or a
    construct refusing its options, without the Python or JavaScript stack."""
    return "synth failed: " + str(error).split("\n    at ")[0].strip()
