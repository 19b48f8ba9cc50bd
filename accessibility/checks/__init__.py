"""Our own browser-driven accessibility checks, one module each, in one registry.

Importing this package imports every check module, which registers itself in
:data:`accessibility.checks.registry.REGISTRY`.
"""

from accessibility.checks.registry import REGISTRY, register

__all__ = ["REGISTRY", "register"]
