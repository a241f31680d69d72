"""The JSON API for integrations (/api/v1): bearer tokens, the same operations as the web."""
