"""The province's pages on the base domain, one module per subject."""

from sukma.platform.views.home import home

__all__ = ["home"]
