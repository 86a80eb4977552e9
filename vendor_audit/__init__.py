"""vendor-audit: prove an outsourced customer-service vendor's integration is safe, and keep proving it."""

__version__ = "0.1.0"
