"""openturk: a self-hosted server for Amazon Mechanical Turk's qualification system."""

__version__ = "0.1.0"
