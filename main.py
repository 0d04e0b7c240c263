"""The `cdktf` app: `cdktf synth` / `cdktf deploy` run this file (see cdktf.json)."""

from platform_storage.cdk import App
from platform_storage.stacks.example import ExampleStorageStack


def main() -> None:
    app = App()
    ExampleStorageStack(
        app,
        "platform-storage-example",
        account_id="123456789012",
        region="us-east-2",
        artifacts_bucket="example-platform-artifacts",
        state_bucket="example-platform-tfstate",
    )
    app.synth()


if __name__ == "__main__":
    main()
