"""CPD logging: `/cpd` and its buttons and form."""
