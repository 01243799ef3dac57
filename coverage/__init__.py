"""coverage: pre-snap man/zone coverage prediction from NFL player tracking data."""

__version__ = "0.1.0"
