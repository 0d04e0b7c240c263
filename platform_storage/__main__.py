import sys

from platform_storage.cli import main

sys.exit(main())
