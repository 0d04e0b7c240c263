"""What differs between the two CDK cores in a synthesized document, and nothing else, replaced
by placeholders so that one snapshot serves both (the provider's version and the core's)."""

from __future__ import annotations

import json
import re
from typing import Any

LOCAL_STATE = re.compile(r'"path": "[^"]*/terraform\.([a-z-]+)\.tfstate"')


def normalised(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(
        LOCAL_STATE.sub(r'"path": "<checkout>/terraform.\1.tfstate"', json.dumps(doc))
    )
    providers = result.get("terraform", {}).get("required_providers", {})
    if "aws" in providers:
        providers["aws"]["version"] = "<aws provider version of the core>"
        # cdktf writes the short source, CDK Terrain the fully qualified one; same provider.
        if providers["aws"].get("source") == "aws":
            providers["aws"]["source"] = "hashicorp/aws"
    metadata = result.get("//", {}).get("metadata", {})
    if "version" in metadata:
        metadata["version"] = "<core version>"
    return result
