"""What the practitioner does: the review queue, one intake's review, its dialogs, the PDF
preview and printing. Never imports the patient's screens."""
