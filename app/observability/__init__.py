"""Running it in production: request ids and JSON logs, Prometheus metrics, readiness."""
