"""The terminal surface: every command without Slack (replies as text, buttons by number)."""
