"""alliances: a knowledge graph of social-sector alliances in the Nordic countries."""

__version__ = "0.1.0"
