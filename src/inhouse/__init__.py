"""inhouse: the system of record for internal customers."""

__version__ = "0.1.0"
