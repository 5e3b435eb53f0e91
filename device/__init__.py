"""What a till or a self-service kiosk runs below its web UI: till, self-service, local store, sync, config."""
