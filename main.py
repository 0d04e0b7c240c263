"""The CDKTF app: `cdktf synth` / `cdktf deploy` run this file (see cdktf.json).

The configuration is `$PLATFORM_STORAGE_CONFIG`, else `storage.yaml`; it is validated before the
CDK loads, and a bad file exits with status 2 and one line per problem.
"""

import sys

from platform_storage.cli import app_main

if __name__ == "__main__":
    sys.exit(app_main())
