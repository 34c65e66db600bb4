"""HTTP routes, one module per area; each stays thin and calls ``archive.services``."""
