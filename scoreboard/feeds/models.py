"""Models of feed ingestion (providers, quarantine, overrides): see the ingestion issue."""
