"""Tech Net events: `/event`, announcements with RSVP buttons, waitlists, reminders and CPD credit."""
