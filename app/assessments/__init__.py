"""社会监督员 现场测评 (docs/mechanisms.md)."""
