"""formboard: a terminal board on which a clinical team builds one client's formulation."""

__version__ = "0.1.0"
