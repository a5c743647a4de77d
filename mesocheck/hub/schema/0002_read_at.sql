-- When each risk card was read to its end (the tablet's schema 6: acknowledgements.read_at),
-- kept with the acknowledgement it led to; NULL for acknowledgements made before.

ALTER TABLE acknowledgements ADD COLUMN read_at timestamptz;
