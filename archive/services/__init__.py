"""The archive's use cases, called by the API, the CLI and the workers alike."""
