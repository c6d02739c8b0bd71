"""What is remembered: typed models, repositories, the unit of work and migrations.

Nothing in this package imports from the rest of techcommit.
"""
