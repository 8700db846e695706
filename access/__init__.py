"""Tools, levels and the one permission gate, below every other app so each of them can ask it."""
