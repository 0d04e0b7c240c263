"""A runner environment's OpenTofu/Terraform state in S3: `python -m platform_storage state
list|history|rollback`. `tfstate` reads state documents, `store` their object and versions,
`command` is the CLI. No CDK import."""
