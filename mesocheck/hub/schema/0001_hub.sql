-- The hub's first schema: the clinic's shared record, in PostgreSQL's own types.
--
-- Every table a station writes has the columns of the tablet's SQLite table (the same
-- names, values read back as the tablet stores them, so a row hashes alike on both), plus
-- what the hub keeps for itself and never hashes:
--   written_by  the device whose audit chain wrote the row last (devices.number)
--   hub_seq     (staff, forms, seals: what every tablet pulls) the number of the hub
--               transaction that wrote the row last; the hub's writes take one lock and
--               number themselves in the order they commit, so what a tablet has not
--               pulled yet is what has a larger number than it saw.
-- Both come from the transaction's settings (mesocheck.device, mesocheck.seq), which every
-- write to the hub sets (mesocheck/hub/dialect.py); a write without them fails.
-- Row ids are clinic-wide: a device numbers its own rows 1, 2, ... and the hub stores them
-- as (device number * 2^40 + that number); see mesocheck/hub/ids.py.
-- A shipped migration is never edited: changes come as new files, applied in order.

CREATE TABLE hub_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE devices (
    number         bigint PRIMARY KEY,
    uid            uuid NOT NULL UNIQUE,
    name           text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('hub', 'tablet')),
    registered_at  timestamptz NOT NULL DEFAULT now(),
    head_id        bigint NOT NULL DEFAULT 0,
    head_hash      bytea,
    last_push_at   timestamptz,
    last_pull_at   timestamptz,
    clock_offset_ms bigint,
    waiting        bigint NOT NULL DEFAULT 0
);

CREATE SEQUENCE hub_seq;  -- numbers the hub's write transactions

-- An updated row is restamped (an inserted one takes the columns' defaults).
CREATE FUNCTION restamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.written_by := current_setting('mesocheck.device')::bigint;
    RETURN NEW;
END $$;

CREATE FUNCTION restamp_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.written_by := current_setting('mesocheck.device')::bigint;
    NEW.hub_seq := current_setting('mesocheck.seq')::bigint;
    RETURN NEW;
END $$;

CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
END $$;

CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    written_by bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint
);

CREATE TABLE forms (
    hash         text PRIMARY KEY,
    form_id      text NOT NULL,
    form_version text NOT NULL,
    content      text NOT NULL,
    stored_at    timestamptz NOT NULL,
    written_by   bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint,
    hub_seq      bigint NOT NULL DEFAULT current_setting('mesocheck.seq')::bigint
);

CREATE SEQUENCE staff_id_seq;
CREATE TABLE staff (
    id              bigint PRIMARY KEY DEFAULT nextval('staff_id_seq'),
    name            text NOT NULL,
    role            text NOT NULL,
    pin_hash        text NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL,
    active          integer NOT NULL DEFAULT 1,
    written_by      bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint,
    hub_seq         bigint NOT NULL DEFAULT current_setting('mesocheck.seq')::bigint
);

CREATE SEQUENCE patients_id_seq;
CREATE TABLE patients (
    id          bigint PRIMARY KEY DEFAULT nextval('patients_id_seq'),
    name        text NOT NULL,
    search_key  text NOT NULL,
    birth_date  date NOT NULL,
    contact     text,
    created_at  timestamptz NOT NULL,
    written_by  bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint
);

CREATE TABLE intakes (
    id             uuid PRIMARY KEY,
    patient_id     bigint NOT NULL REFERENCES patients (id) DEFERRABLE INITIALLY DEFERRED,
    form_id        text NOT NULL,
    form_version   text NOT NULL,
    form_hash      text NOT NULL,
    language       text NOT NULL,
    area           text NOT NULL,
    appointment_at timestamptz NOT NULL,
    status         text NOT NULL,
    current_step   text,
    device         text,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    submitted_at   timestamptz,
    locked_at      timestamptz,
    reviewed_at    timestamptz,
    void_reason    text,
    n_stop         integer NOT NULL DEFAULT 0,
    n_review       integer NOT NULL DEFAULT 0,
    n_info         integer NOT NULL DEFAULT 0,
    flag_rank      integer NOT NULL DEFAULT 3,
    origin         bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint,  -- the device that started it
    written_by     bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint
);
CREATE INDEX intakes_queue ON intakes (flag_rank, appointment_at, id);
CREATE INDEX intakes_status ON intakes (status, appointment_at);
CREATE INDEX intakes_patient ON intakes (patient_id);

CREATE SEQUENCE answers_id_seq;
CREATE TABLE answers (
    id          bigint PRIMARY KEY DEFAULT nextval('answers_id_seq'),
    intake_id   uuid NOT NULL REFERENCES intakes (id) DEFERRABLE INITIALLY DEFERRED,
    question_id text NOT NULL,
    value       jsonb NOT NULL,
    answered_at timestamptz NOT NULL,
    actor       text NOT NULL,
    amends      bigint REFERENCES answers (id) DEFERRABLE INITIALLY DEFERRED,
    reason      text,
    written_by  bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint
);
CREATE INDEX answers_intake ON answers (intake_id, question_id);

CREATE SEQUENCE acknowledgements_id_seq;
CREATE TABLE acknowledgements (
    id              bigint PRIMARY KEY DEFAULT nextval('acknowledgements_id_seq'),
    intake_id       uuid NOT NULL REFERENCES intakes (id) DEFERRABLE INITIALLY DEFERRED,
    disclosure_id   text NOT NULL,
    text_hash       text NOT NULL,
    acknowledged_at timestamptz NOT NULL,
    written_by      bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint
);
CREATE INDEX acknowledgements_intake ON acknowledgements (intake_id, disclosure_id);

CREATE SEQUENCE flags_id_seq;
CREATE TABLE flags (
    id                   bigint PRIMARY KEY DEFAULT nextval('flags_id_seq'),
    intake_id            uuid NOT NULL REFERENCES intakes (id) DEFERRABLE INITIALLY DEFERRED,
    rule_id              text NOT NULL,
    severity             text NOT NULL,
    practitioner_message text NOT NULL,
    patient_message      text,
    triggers             jsonb NOT NULL,
    raised_at            timestamptz NOT NULL,
    superseded_at        timestamptz,
    patient_told         integer,  -- 1: the patient's message was on screen before signing
    written_by           bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint
);
CREATE INDEX flags_intake ON flags (intake_id);

CREATE SEQUENCE decisions_id_seq;
CREATE TABLE decisions (
    id          bigint PRIMARY KEY DEFAULT nextval('decisions_id_seq'),
    flag_id     bigint NOT NULL REFERENCES flags (id) DEFERRABLE INITIALLY DEFERRED,
    decision    text NOT NULL,
    reason      text NOT NULL,
    new_date    text,  -- a day or a moment, as the tablet stores it
    staff_id    bigint NOT NULL REFERENCES staff (id) DEFERRABLE INITIALLY DEFERRED,
    decided_at  timestamptz NOT NULL,
    supersedes  bigint REFERENCES decisions (id) DEFERRABLE INITIALLY DEFERRED,
    written_by  bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint
);
CREATE INDEX decisions_flag ON decisions (flag_id);

CREATE SEQUENCE signatures_id_seq;
CREATE TABLE signatures (
    id           bigint PRIMARY KEY DEFAULT nextval('signatures_id_seq'),
    intake_id    uuid NOT NULL REFERENCES intakes (id) DEFERRABLE INITIALLY DEFERRED,
    role         text NOT NULL,
    printed_name text NOT NULL,
    meaning      text NOT NULL,
    -- deflated JSON; a signature made before the tablet's schema 2 keeps its JSON text
    -- as UTF-8 bytes (they start with '[', a deflated stream never does)
    strokes      bytea NOT NULL,
    pad_width    integer NOT NULL,
    pad_height   integer NOT NULL,
    signed_at    timestamptz NOT NULL,
    tz           text NOT NULL,
    content_hash text NOT NULL,
    staff_id     bigint REFERENCES staff (id) DEFERRABLE INITIALLY DEFERRED,
    method       text,  -- NULL: drawn; 'typed' (an adopted name) or 'mark' (witnessed)
    witness      text,  -- the printed name of the witness of a mark
    written_by   bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint
);
CREATE INDEX signatures_intake ON signatures (intake_id);

CREATE SEQUENCE documents_id_seq;
CREATE TABLE documents (
    id          bigint PRIMARY KEY DEFAULT nextval('documents_id_seq'),
    intake_id   uuid NOT NULL REFERENCES intakes (id) DEFERRABLE INITIALLY DEFERRED,
    kind        text NOT NULL,
    pdf         bytea NOT NULL,
    sha256      text NOT NULL,
    created_at  timestamptz NOT NULL,
    supersedes  bigint REFERENCES documents (id) DEFERRABLE INITIALLY DEFERRED,
    seal        text,
    written_by  bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint
);
CREATE INDEX documents_intake ON documents (intake_id, kind);

CREATE SEQUENCE seals_id_seq;
CREATE TABLE seals (
    id          bigint PRIMARY KEY DEFAULT nextval('seals_id_seq'),
    certificate text NOT NULL,
    key         text NOT NULL,
    fingerprint text NOT NULL,
    subject     text NOT NULL,
    not_before  timestamptz NOT NULL,
    not_after   timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    written_by  bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint,
    hub_seq     bigint NOT NULL DEFAULT current_setting('mesocheck.seq')::bigint
);

CREATE SEQUENCE fhir_pushes_id_seq;
CREATE TABLE fhir_pushes (
    id            bigint PRIMARY KEY DEFAULT nextval('fhir_pushes_id_seq'),
    intake_id     uuid NOT NULL REFERENCES intakes (id) DEFERRABLE INITIALLY DEFERRED,
    server        text NOT NULL,
    state         text NOT NULL,
    bundle_sha256 text NOT NULL,
    pushed_at     timestamptz NOT NULL,
    written_by    bigint NOT NULL DEFAULT current_setting('mesocheck.device')::bigint
);
CREATE INDEX fhir_pushes_server ON fhir_pushes (server, intake_id);

-- Every device's audit chain, as the device wrote it; the hub's own writes are the chain
-- of the hub's device number.
CREATE TABLE audit (
    device      bigint NOT NULL REFERENCES devices (number),
    id          bigint NOT NULL,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    intake_id   uuid,
    rows        text NOT NULL,  -- spliced into the hash as stored: text, not jsonb
    hash        bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device, id)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['settings', 'patients', 'intakes', 'answers', 'acknowledgements',
                             'flags'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I '
                       'FOR EACH ROW EXECUTE FUNCTION restamp()', t || '_restamp', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['staff', 'forms', 'seals'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I '
                       'FOR EACH ROW EXECUTE FUNCTION restamp_seq()', t || '_restamp', t);
        EXECUTE format('CREATE INDEX %I ON %I (hub_seq)', t || '_hub_seq', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['audit', 'signatures', 'decisions', 'documents', 'seals',
                             'fhir_pushes'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I '
                       'FOR EACH ROW EXECUTE FUNCTION append_only()', t || '_append_only', t);
    END LOOP;
END $$;
