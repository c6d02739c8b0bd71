"""What happens on its own: the pass that finds due work at a time T, and the outbox sender.

The plan-quarter reminders, follow-ups and event reminders arrive with the action-plan and
events features; this package holds them.
"""
