"""Device-side sync with central: HTTP client, wire format and the background sync worker."""
