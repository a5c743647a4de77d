"""Pieces every screen is made of: the look, labels, choice buttons, date fields, the
signature pad, dialogs, layouts that fit landscape and portrait. They know no screen."""
