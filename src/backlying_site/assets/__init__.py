"""Pictures and share cards: planned from what they are made of, then made (and cached by content)."""
