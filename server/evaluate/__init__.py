"""Off-policy evaluation of a site's logged traffic: `attune evaluate` and, later, the admin results page."""
