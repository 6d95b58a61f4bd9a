"""dlhw: executable checks for the derivations of a deep-learning textbook."""

__version__ = "0.1.0"
