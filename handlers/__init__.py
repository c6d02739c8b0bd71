"""What the bot does: commands, buttons and forms, independent of the chat platform."""
