-- The course a signed consent covers (the tablet's schema 8: intakes.course_sessions and
-- intakes.course_until): how many sessions, until which day; NULL on intakes signed before.

ALTER TABLE intakes ADD COLUMN course_sessions integer;
ALTER TABLE intakes ADD COLUMN course_until date;
