"""User-facing interfaces: the `ckg` command line and the FastAPI service."""
