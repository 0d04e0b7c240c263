"""Where the app reads its configuration and writes its output, by default. No CDK import.

Both are relative to the working directory, where `cdktf synth` and the day-two commands run:
an installed package holds no configuration of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_VARIABLE = "PLATFORM_STORAGE_CONFIG"
DEFAULT_CONFIG = Path("storage.yaml")
OUTDIR_VARIABLE = "CDKTF_OUTDIR"  # set by the CDKTF CLI for the app it runs


def config_path(explicit: str | None = None) -> Path:
    """`explicit`, else $PLATFORM_STORAGE_CONFIG, else `storage.yaml`."""
    return Path(explicit or os.environ.get(CONFIG_VARIABLE) or DEFAULT_CONFIG)


def default_outdir() -> Path:
    """Where CDKTF writes: $CDKTF_OUTDIR, else `cdktf.out`."""
    return Path(os.environ.get(OUTDIR_VARIABLE) or "cdktf.out")
