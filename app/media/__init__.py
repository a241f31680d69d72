"""Media: content sniffing, photo re-encoding, video posters and content-addressed storage."""
