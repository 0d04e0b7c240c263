"""Who reaches what: `python -m platform_storage report`, and `make synth`'s
`rendered/access-report.md` and `access-report.svg`.

`model` computes the rows from the synthesized stacks with the same evaluation the isolation
proofs use (`platform_storage.analysis`); `markdown` and `diagram` draw them. No CDK import.
"""
