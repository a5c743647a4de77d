"""What the patient does: the welcome, start and thank-you screens, the wizard, its pages and
questions. Never imports the review screens."""
