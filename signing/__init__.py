"""Two-layer PDF/A building and PAdES signing of digitized copies."""
