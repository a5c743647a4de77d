-- The visits of a course (the tablet's schema 11): a check-in names the consent it continues
-- (intakes.continues); a full form asked again within a course says why (intakes.reconsent,
-- JSON {"previous", "reasons", "changed"}); a course's consent keeps a practitioner's request
-- for the full consent at the next visit (reconsent_asked_at, reconsent_asked_by). NULL on
-- every intake from before.

ALTER TABLE intakes ADD COLUMN continues uuid;
ALTER TABLE intakes ADD COLUMN reconsent text;
ALTER TABLE intakes ADD COLUMN reconsent_asked_at text;
ALTER TABLE intakes ADD COLUMN reconsent_asked_by bigint;
