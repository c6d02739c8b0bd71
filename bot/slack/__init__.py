"""The Slack surface: Bolt app factory, listeners, Block Kit renderer and delivery."""
