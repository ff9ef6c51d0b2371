"""The aggregator API: client, wire models and errors."""
