"""Backups: `flask backup create --out DIR` and `flask backup restore DIR` (docs/deploy.md)."""
