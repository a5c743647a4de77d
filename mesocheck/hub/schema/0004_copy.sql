-- The patient's own copy (the tablet's schema 8: intakes.copy_wanted, copy_chosen_at and
-- copy_printed_at): asked for (1) or declined (0) at the end of the form, when, and when
-- staff last printed it; NULL on intakes from before.

ALTER TABLE intakes ADD COLUMN copy_wanted integer;
ALTER TABLE intakes ADD COLUMN copy_chosen_at timestamptz;
ALTER TABLE intakes ADD COLUMN copy_printed_at timestamptz;
