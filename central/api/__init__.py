"""Central's JSON API blueprints: `sync` (devices), `admin` (back office), `meta` (health, OpenAPI)."""
