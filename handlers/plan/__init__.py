"""The Technician Commitment action plan: `/plan`, its buttons, the import and the reminders' content."""
