"""The bot's own HTTP server (WEB_LISTEN): push updates from the aggregator, the Vary
(Region) editor, health and metrics. It calls the same core services as the Discord
layer and is built and started by the composition root."""
