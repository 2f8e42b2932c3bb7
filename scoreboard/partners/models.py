"""Models of the partner API (keys, webhooks, deliveries): see the partner API issue."""
