"""The public H5 pages: the form behind a card's QR code, the receipt, the status page."""
