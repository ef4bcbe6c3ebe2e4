"""laoxiao (老小): the platform that runs a city's 一老一小 system."""

__version__ = "0.1.0"
