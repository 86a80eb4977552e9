"""`python -m vendor_audit` is the `vendor-audit` command."""

from vendor_audit.cli import entrypoint

entrypoint()
