-- Tamper-evident audit log: every event carries the SHA-256 of itself and of the event
-- before it (previousHash), computed here by a trigger so that no application path can
-- skip or forge it. `npm run audit:verify` recomputes the chain.

-- AlterTable
ALTER TABLE "audit_event" ADD COLUMN     "hash" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "previousHash" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "audit_chain_head" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "lastSequence" BIGINT NOT NULL DEFAULT 0,
    "lastHash" TEXT NOT NULL,

    CONSTRAINT "audit_chain_head_pkey" PRIMARY KEY ("id")
);

-- The hash of one event: SHA-256 over its fields, each written as <byte length>:<text>;
-- (or N; for NULL) so that no two different rows serialize alike. scripts/audit-verify.ts
-- (lib/audit/chain.ts) computes the same thing independently.
CREATE FUNCTION audit_event_digest(e "audit_event") RETURNS text AS $$
  SELECT encode(sha256(convert_to(
    (SELECT string_agg(CASE WHEN f IS NULL THEN 'N;' ELSE octet_length(f)::text || ':' || f || ';' END, '' ORDER BY n)
       FROM unnest(ARRAY[
         'byok-audit-v1',
         e."sequence"::text,
         e."id"::text,
         e."organizationId",
         e."environmentId"::text,
         e."actorUserId",
         e."actorType",
         e."action",
         e."ipAddress",
         e."details"::text,
         to_char(e."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         e."previousHash"
       ]) WITH ORDINALITY AS t(f, n)),
    'UTF8')), 'hex');
$$ LANGUAGE sql IMMUTABLE;

-- Runs as the table owner (SECURITY DEFINER): the application role may insert events but
-- cannot read-modify the chain head itself. Appends are serialized on the head row, so the
-- sequence numbers are contiguous in commit order; the organization row is locked first,
-- in the same order as every other writer (environment changes update it too), so that
-- waiting for the head never closes a deadlock cycle with the activity trigger below.
CREATE FUNCTION audit_event_chain() RETURNS trigger AS $$
DECLARE
  head "audit_chain_head"%ROWTYPE;
BEGIN
  PERFORM 1 FROM "organization" WHERE "id" = NEW."organizationId" FOR NO KEY UPDATE;
  SELECT * INTO head FROM "audit_chain_head" WHERE "id" = 1 FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit_chain_head is missing its row' USING ERRCODE = 'data_exception';
  END IF;
  -- Whatever the client sent: the position, the time (no backdating) and the chain are ours.
  NEW."sequence" := head."lastSequence" + 1;
  NEW."createdAt" := date_trunc('milliseconds', now() AT TIME ZONE 'UTC');
  NEW."previousHash" := head."lastHash";
  NEW."hash" := audit_event_digest(NEW);
  UPDATE "audit_chain_head" SET "lastSequence" = NEW."sequence", "lastHash" = NEW."hash" WHERE "id" = 1;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp;

-- Existing events: renumbered 1..n in their order and chained, with the append-only
-- trigger off for this migration only.
ALTER TABLE "audit_event" DISABLE TRIGGER "audit_event_append_only";
UPDATE "audit_event" SET "sequence" = -"sequence";
UPDATE "audit_event" a SET "sequence" = r.n
  FROM (SELECT "id", row_number() OVER (ORDER BY "sequence" DESC) AS n FROM "audit_event") r
 WHERE r."id" = a."id";
DO $$
DECLARE
  previous text := repeat('0', 64);
  event "audit_event";
BEGIN
  FOR event IN SELECT * FROM "audit_event" ORDER BY "sequence" LOOP
    event."createdAt" := date_trunc('milliseconds', event."createdAt");
    event."previousHash" := previous;
    previous := audit_event_digest(event);
    UPDATE "audit_event" SET "createdAt" = event."createdAt", "previousHash" = event."previousHash", "hash" = previous
     WHERE "id" = event."id";
  END LOOP;
  INSERT INTO "audit_chain_head" ("id", "lastSequence", "lastHash")
  VALUES (1, (SELECT count(*) FROM "audit_event"), previous);
END;
$$;
ALTER TABLE "audit_event" ENABLE TRIGGER "audit_event_append_only";

CREATE TRIGGER audit_event_chain
  BEFORE INSERT ON "audit_event"
  FOR EACH ROW EXECUTE FUNCTION audit_event_chain();

-- TRUNCATE skips row triggers: refuse it with a statement trigger, like UPDATE and DELETE.
CREATE TRIGGER audit_event_no_truncate
  BEFORE TRUNCATE ON "audit_event"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();

-- The chain head changes only through the trigger above.
CREATE FUNCTION audit_chain_head_guard() RETURNS trigger AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'audit_chain_head is written only by the audit_event trigger' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_chain_head_guard
  BEFORE UPDATE OR DELETE ON "audit_chain_head"
  FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard();
