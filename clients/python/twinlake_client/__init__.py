"""A typed Python client for twinlake's REST API (standard library only).

>>> from twinlake_client import Client
>>> twins = Client("http://127.0.0.1:8080", key)
>>> twins.recommend("bob", "trip")["recommendations"][0]["option"]
"""

from .client import Client, TwinlakeError
from . import types

__all__ = ["Client", "TwinlakeError", "types"]
