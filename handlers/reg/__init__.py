"""Professional registration journeys: `/reg`."""
