-- A minor's parent or guardian signs too (the tablet's schema 10: signatures.relationship):
-- on a signature of role 'guardian', how they are related to the patient; NULL otherwise.

ALTER TABLE signatures ADD COLUMN relationship text;
