"""From extractions to RDF, the store, queries and analytics."""
