"""The configuration files that go with what the stacks build (Helm values, runner documents).
Pure Python: no CDK import, so `python -m platform_storage render` is fast."""
