-- jit-access JDBC grant store: the schema for PostgreSQL (11 or later).
--
-- JdbcGrantStore.builder().createSchema(true) applies this file on start. To apply it with your own
-- migration tool (Flyway, Liquibase), copy it into a migration and replace ${prefix} with the table prefix
-- the store is built with (default jit_). Every statement is idempotent.
--
-- The CHECK constraints were added after the first release of this file. CREATE TABLE IF NOT EXISTS leaves tables
-- made by the earlier file as they are; the store works on them unchanged (it leaves out, logs and reports rows it
-- cannot read). To add the constraints there, run ALTER TABLE ... ADD CONSTRAINT with the clauses below, after repairing
-- the rows that break them (or with NOT VALID, which checks only new writes).
--
-- Instants of grants are epoch milliseconds; the JSON columns are plain text (cast to jsonb to query them).
-- Every change to grants, requests and reviews also inserts a row into ${prefix}changes in the same
-- transaction (and sends pg_notify on the channel '<schema>.${prefix}changes'): that is the change feed
-- other instances follow.

CREATE TABLE IF NOT EXISTS ${prefix}grants (
  id            TEXT    NOT NULL PRIMARY KEY,
  request_id    TEXT    NOT NULL,
  subject_kind  TEXT    NOT NULL,  -- USER or SERVICE
  subject_id    TEXT    NOT NULL,
  resource      TEXT    NOT NULL,  -- a resource name or pattern
  actions       TEXT    NOT NULL,  -- sorted action words separated by one space
  not_before    BIGINT  NOT NULL,  -- epoch milliseconds
  expires_at    BIGINT  NOT NULL,  -- epoch milliseconds
  state         TEXT    NOT NULL,  -- ACTIVE, EXPIRED or REVOKED
  justification TEXT,
  reference     TEXT,              -- ticket or incident id
  approvals     TEXT    NOT NULL,  -- JSON array of {"approver":"user:bob","at":"<ISO-8601>","comment":"..."}
  break_glass   BOOLEAN NOT NULL,
  rule_id       TEXT    NOT NULL,  -- the policy rule that allowed it
  version       BIGINT  NOT NULL,  -- compare-and-set: every change is UPDATE ... WHERE id = ? AND version = ?
  ended_at      BIGINT,            -- epoch milliseconds, for a terminal state
  end_reason    TEXT,
  bound_to_handle BOOLEAN NOT NULL DEFAULT FALSE,  -- only its handle's check allows it (an elevation)
  -- What the store could not read back is refused when written (the store also skips such a row when reading).
  CONSTRAINT ${prefix}grants_present CHECK (id <> '' AND request_id <> '' AND subject_id <> '' AND resource <> ''
      AND actions <> '' AND rule_id <> ''),
  CONSTRAINT ${prefix}grants_subject_kind CHECK (subject_kind IN ('USER', 'SERVICE')),
  CONSTRAINT ${prefix}grants_state CHECK (state IN ('ACTIVE', 'EXPIRED', 'REVOKED')),
  CONSTRAINT ${prefix}grants_ended CHECK ((state = 'ACTIVE') = (ended_at IS NULL)),
  CONSTRAINT ${prefix}grants_times CHECK (expires_at > not_before),
  CONSTRAINT ${prefix}grants_version CHECK (version >= 0)
);

-- Added with handle-bound grants: brings a schema made before them up to date.
ALTER TABLE ${prefix}grants ADD COLUMN IF NOT EXISTS bound_to_handle BOOLEAN NOT NULL DEFAULT FALSE;

CREATE INDEX IF NOT EXISTS ${prefix}grants_active ON ${prefix}grants (subject_kind, subject_id) WHERE state = 'ACTIVE';

CREATE TABLE IF NOT EXISTS ${prefix}requests (
  id             TEXT   NOT NULL PRIMARY KEY,
  state          TEXT   NOT NULL,  -- PENDING, GRANTED, REJECTED, EXPIRED or CANCELLED
  version        BIGINT NOT NULL,
  requester_kind TEXT   NOT NULL,
  requester_id   TEXT   NOT NULL,
  resource       TEXT   NOT NULL,
  created_at     BIGINT NOT NULL,  -- epoch milliseconds
  grant_id       TEXT,
  end_reason     TEXT,
  details        TEXT   NOT NULL,  -- JSON: the request as made, rule, duration, requirement, approvals, times
  CONSTRAINT ${prefix}requests_requester_kind CHECK (requester_kind IN ('USER', 'SERVICE')),
  CONSTRAINT ${prefix}requests_version CHECK (version >= 0)
);

CREATE INDEX IF NOT EXISTS ${prefix}requests_pending ON ${prefix}requests (created_at) WHERE state = 'PENDING';

CREATE TABLE IF NOT EXISTS ${prefix}reviews (
  grant_id     TEXT    NOT NULL PRIMARY KEY,
  version      BIGINT  NOT NULL,
  incident     TEXT    NOT NULL,
  acknowledged BOOLEAN NOT NULL,
  details      TEXT    NOT NULL,   -- JSON: the grant as given, reviewer, reviewedAt, comment
  CONSTRAINT ${prefix}reviews_version CHECK (version >= 0)
);

CREATE TABLE IF NOT EXISTS ${prefix}changes (
  seq        BIGSERIAL NOT NULL PRIMARY KEY,
  kind       CHAR(1)   NOT NULL,   -- G grant, R request, B break-glass review
  id         TEXT      NOT NULL,   -- the id of what changed
  changed_at BIGINT    NOT NULL,   -- epoch milliseconds; rows older than the retention are pruned
  CONSTRAINT ${prefix}changes_kind CHECK (kind IN ('G', 'R', 'B'))
);
