"""Moving Massdriver's data off MinIO: `python -m platform_storage migrate`.

`command` parses and checks the flags; `run.Migration` lists both sides, joins them by key and
copies (`copy`), skips or checks (`verify`) each object; `report` writes what happened. No CDK
import; boto3 talks to both S3 APIs.
"""
