"""Coalition points exchange: one points currency shared by many partner merchants."""

__version__ = "0.1.0"
