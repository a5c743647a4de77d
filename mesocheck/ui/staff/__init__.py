"""What the front desk does: sign-in, the first practitioner, the staff home (start, continue
or void intakes, and the staff screens such as the review)."""
