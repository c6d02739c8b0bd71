"""The Microsoft Teams surface: the Agents SDK behind the same WSGI server, Adaptive Cards, proactive sends."""
