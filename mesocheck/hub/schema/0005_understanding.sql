-- The understanding check before signing (the tablet's schema 9: intakes.understanding):
-- every try as JSON text, [{"answers": {...}, "wrong": [...], "at": "..."}, ...]; NULL when
-- the form had no check or the intake is from before.

ALTER TABLE intakes ADD COLUMN understanding text;
