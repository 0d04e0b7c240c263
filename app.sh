#!/bin/sh
# The `app` of cdktf.json: main.py on the project's interpreter for the selected CDK core
# (PLATFORM_STORAGE_CDK, set by `make ... CDK=cdktn`; cdktf by default).
if [ "${PLATFORM_STORAGE_CDK:-cdktf}" = cdktn ]; then
    exec .venv-cdktn/bin/python main.py
fi
exec .venv/bin/python main.py
