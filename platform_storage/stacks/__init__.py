"""Ready-made stacks built from `platform_storage.constructs`."""
