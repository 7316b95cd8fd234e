import "server-only";
import { Prisma, type PrismaClient } from "@/generated/prisma/client";
import type { KeyHealthState } from "@/generated/prisma/enums";
import { KEY_HEALTH_RANK, KEY_HEALTH_STATES } from "@/lib/key-health/states";
import { isSingleLine } from "./input";
import type { TenantQuery, TenantSort } from "./tenant-query";

/**
 * The support console's tenants list, one row per organization. Reads only the
 * per-organization summary columns the database keeps up to date (see the
 * support_console migration), so every sort is a keyset scan of an index, searches go
 * through the ARN/id b-tree or trigram indexes, and filters are EXISTS probes on
 * environment(organizationId, status, encryptionMode, region) and key_health(organizationId, state).
 */

export const PAGE_SIZE = 25;

export interface TenantRow {
  id: string;
  name: string;
  slug: string;
  environmentCount: number;
  worstStatus: "FAILED" | "PROVISIONING" | "READY" | null;
  /** The worst key-health state of the tenant's environments; null when none has been checked. */
  worstKeyHealth: KeyHealthState | null;
  lastActivityAt: Date;
  regions: string[];
  encryptionModes: string[];
}

export interface TenantPage {
  rows: TenantRow[];
  nextCursor: string | null;
}

const sortColumns: Record<TenantSort, { column: Prisma.Sql; descending: boolean; value: (row: RawRow) => string | number }> = {
  name: { column: Prisma.sql`o."name"`, descending: false, value: (row) => row.name },
  "-name": { column: Prisma.sql`o."name"`, descending: true, value: (row) => row.name },
  activity: { column: Prisma.sql`o."lastActivityAt"`, descending: true, value: (row) => row.lastActivityAt.toISOString() },
  environments: { column: Prisma.sql`o."environmentCount"`, descending: true, value: (row) => row.environmentCount },
  status: { column: Prisma.sql`o."worstStatusRank"`, descending: true, value: (row) => row.worstStatusRank },
  keyHealth: { column: Prisma.sql`o."worstKeyHealthRank"`, descending: true, value: (row) => row.worstKeyHealthRank },
};

interface RawRow {
  id: string;
  name: string;
  slug: string;
  environmentCount: number;
  worstStatusRank: number;
  worstKeyHealthRank: number;
  lastActivityAt: Date;
}

interface Cursor {
  sort: TenantSort;
  value: string | number;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Whether a cursor's value is one this sort can have, so the page query never fails on it. */
function validCursorValue(sort: TenantSort, value: unknown): value is string | number {
  switch (sort) {
    case "activity":
      return typeof value === "string" && isoTimestamp.test(value) && new Date(value).toISOString() === value;
    case "environments":
    case "status":
    case "keyHealth":
      // The summary columns are PostgreSQL integers.
      return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 2_147_483_647;
    case "name":
    case "-name":
      // Names may hold any text but NUL, which PostgreSQL text cannot.
      return typeof value === "string" && value.length <= 1000 && !value.includes("\u0000");
  }
}

/** A cursor from the URL, or undefined when it is malformed, made for another sort or not one of ours. */
export function decodeCursor(text: string | undefined, sort: TenantSort): Cursor | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<Cursor> | null;
    if (!parsed || parsed.sort !== sort || typeof parsed.id !== "string" || parsed.id.length > 100 || !isSingleLine(parsed.id)) return undefined;
    if (!validCursorValue(sort, parsed.value)) return undefined;
    return { sort, value: parsed.value, id: parsed.id };
  } catch {
    return undefined;
  }
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A multi-Region key's id. */
const multiRegionKeyIdPattern = /^mrk-[0-9a-f]{32}$/i;

/** Environments whose S3 or RDS key has this bare key id (the expression indexes of the key_id_search migration). */
function keyIdCondition(keyId: string): Prisma.Sql {
  return Prisma.sql`SELECT "organizationId" FROM "environment" WHERE substring("s3KeyArn" from '[^/]+$') = ${keyId}
                    UNION SELECT "organizationId" FROM "environment" WHERE substring("rdsKeyArn" from '[^/]+$') = ${keyId}`;
}

/**
 * How a search term is matched: key ARN, environment id and bare key id (a UUID is either)
 * exactly, names by substring.
 */
export function searchCondition(q: string | undefined): Prisma.Sql {
  if (!q) return Prisma.sql`TRUE`;
  if (q.startsWith("arn:")) {
    return Prisma.sql`o."id" IN (SELECT "organizationId" FROM "environment" WHERE "s3KeyArn" = ${q}
                                 UNION SELECT "organizationId" FROM "environment" WHERE "rdsKeyArn" = ${q})`;
  }
  if (uuidPattern.test(q)) {
    return Prisma.sql`o."id" IN (SELECT "organizationId" FROM "environment" WHERE "id" = ${q.toLowerCase()}::uuid
                                 UNION ${keyIdCondition(q.toLowerCase())})`;
  }
  if (multiRegionKeyIdPattern.test(q)) return Prisma.sql`o."id" IN (${keyIdCondition(q.toLowerCase())})`;
  const pattern = likePattern(q);
  // One id list from three trigram-indexed lookups, so no branch falls back to a scan.
  return Prisma.sql`o."id" IN (SELECT "id" FROM "organization" WHERE "name" ILIKE ${pattern}
                               UNION SELECT "organizationId" FROM "environment" WHERE "name" ILIKE ${pattern}
                               UNION SELECT "organizationId" FROM "environment" WHERE "tenantName" ILIKE ${pattern})`;
}

function filterCondition(query: TenantQuery): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (query.status) parts.push(Prisma.sql`e."status" = ${query.status}::"EnvironmentStatus"`);
  if (query.mode) parts.push(Prisma.sql`e."encryptionMode" = ${query.mode}::"EncryptionMode"`);
  if (query.region) parts.push(Prisma.sql`e."region" = ${query.region}`);
  const conditions: Prisma.Sql[] = [];
  if (parts.length) {
    conditions.push(Prisma.sql`EXISTS (SELECT 1 FROM "environment" e WHERE e."organizationId" = o."id" AND ${Prisma.join(parts, " AND ")})`);
  }
  // "Tenants with at least one environment in this state", a probe of
  // key_health(organizationId, state) per tenant in sort order (see bench:support for the plans).
  if (query.keyHealth) {
    conditions.push(Prisma.sql`EXISTS (SELECT 1 FROM "key_health" k WHERE k."organizationId" = o."id" AND k."state" = ${query.keyHealth}::"KeyHealthState")`);
  }
  return conditions.length ? Prisma.join(conditions, " AND ") : Prisma.sql`TRUE`;
}

/** The SQL of one page; exported so the benchmark can EXPLAIN exactly what runs. */
export function tenantPageSql(query: TenantQuery): Prisma.Sql {
  const sort = sortColumns[query.sort];
  const cursor = decodeCursor(query.cursor, query.sort);
  const direction = sort.descending ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  const after = cursor
    ? sort.descending
      ? Prisma.sql`(${sort.column}, o."id") < (${cursorValue(query.sort, cursor.value)}, ${cursor.id})`
      : Prisma.sql`(${sort.column}, o."id") > (${cursorValue(query.sort, cursor.value)}, ${cursor.id})`
    : Prisma.sql`TRUE`;
  return Prisma.sql`
    SELECT o."id", o."name", o."slug", o."environmentCount", o."worstStatusRank", o."worstKeyHealthRank", o."lastActivityAt"
      FROM "organization" o
     WHERE ${searchCondition(query.q)} AND ${filterCondition(query)} AND ${after}
     ORDER BY ${sort.column} ${direction}, o."id" ${direction}
     LIMIT ${PAGE_SIZE + 1}`;
}

function cursorValue(sort: TenantSort, value: string | number): Prisma.Sql {
  if (sort === "activity") return Prisma.sql`${String(value)}::timestamp(3)`;
  if (sort === "environments" || sort === "status" || sort === "keyHealth") return Prisma.sql`${Number(value)}::int`;
  return Prisma.sql`${String(value)}`;
}

const worstStatus = ["DRAFT", "READY", "PROVISIONING", "FAILED"] as const;

/** organization.worstKeyHealthRank back to its state; rank 0 (nothing checked yet) is none. */
export function keyHealthOfRank(rank: number): KeyHealthState | null {
  if (rank <= 0) return null;
  return KEY_HEALTH_STATES.find((state) => KEY_HEALTH_RANK[state] === rank) ?? null;
}

export async function queryTenants(prisma: PrismaClient, query: TenantQuery): Promise<TenantPage> {
  const raw = await prisma.$queryRaw<RawRow[]>(tenantPageSql(query));
  const page = raw.slice(0, PAGE_SIZE);
  const ids = page.map((row) => row.id);
  const details = ids.length
    ? await prisma.$queryRaw<{ organizationId: string; regions: string[]; modes: string[] }[]>`
        SELECT "organizationId", array_agg(DISTINCT "region" ORDER BY "region") AS regions,
               array_agg(DISTINCT "encryptionMode"::text ORDER BY "encryptionMode"::text) AS modes
          FROM "environment" WHERE "organizationId" = ANY(${ids}) GROUP BY "organizationId"`
    : [];
  const byOrganization = new Map(details.map((detail) => [detail.organizationId, detail]));
  const last = page[page.length - 1];
  return {
    rows: page.map((row) => {
      const rank = worstStatus[row.worstStatusRank] ?? "DRAFT";
      return {
        id: row.id,
        name: row.name,
        slug: row.slug,
        environmentCount: row.environmentCount,
        worstStatus: rank === "DRAFT" ? null : rank,
        worstKeyHealth: keyHealthOfRank(row.worstKeyHealthRank),
        lastActivityAt: row.lastActivityAt,
        regions: byOrganization.get(row.id)?.regions ?? [],
        encryptionModes: byOrganization.get(row.id)?.modes ?? [],
      };
    }),
    nextCursor:
      raw.length > PAGE_SIZE && last
        ? encodeCursor({ sort: query.sort, value: sortColumns[query.sort].value(last), id: last.id })
        : null,
  };
}
