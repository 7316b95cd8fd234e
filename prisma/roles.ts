/**
 * The two database roles: the owner runs the migrations and owns every table; the
 * application connects as a role with only the rights it needs, and on `audit_event` only
 * INSERT and SELECT, so the running portal cannot rewrite its own audit log.
 *
 * - ensureRoles / prepareDatabase: what a DBA does once (the embedded PostgreSQL and the test
 *   databases run them with the superuser);
 * - grantAppRole: run with the owner's connection after every migration (idempotent), so new
 *   tables get their grants and the audit tables stay restricted.
 */
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";

export interface RoleCredentials {
  name: string;
  password: string;
}

export interface DatabaseRoles {
  owner: RoleCredentials;
  app: RoleCredentials;
}

/** Local roles of the embedded PostgreSQL and of the test databases (loopback only). */
export const LOCAL_ROLES: DatabaseRoles = {
  owner: { name: "byok_owner", password: "byok_owner" },
  app: { name: "byok_app", password: "byok_app" },
};

/** Tables the application may read and append to, never change. */
export const APPEND_ONLY_TABLES = ["audit_event", "key_health_transition"] as const;
/** Tables the application may only read. */
export const READ_ONLY_TABLES = ["audit_chain_head"] as const;
/** Tables the application has no rights on at all. */
export const PRIVATE_TABLES = ["_prisma_migrations"] as const;

/** The schema pg-boss creates and owns (lib/provisioning/worker.ts). */
export const QUEUE_SCHEMA = "pgboss";

const identifier = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(parseIntoClientConfig(url));
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** `url` with another user and password (and optionally another database). */
export function urlForRole(url: string, role: RoleCredentials, database?: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(role.name);
  parsed.password = encodeURIComponent(role.password);
  if (database !== undefined) parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** `url` pointing at another database on the same server, as the same user. */
export function urlForDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The role a connection string logs in as. */
export function roleOfUrl(url: string): string {
  const user = parseIntoClientConfig(url).user;
  if (!user) throw new Error("The connection string names no user.");
  return user;
}

/**
 * Creates both roles if they do not exist (LOGIN, no other attribute). Safe to run from
 * several processes at once against one server (the test files do).
 */
export async function ensureRoles(adminUrl: string, roles: DatabaseRoles = LOCAL_ROLES): Promise<void> {
  await withClient(adminUrl, async (client) => {
    for (const role of [roles.owner, roles.app]) {
      const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role.name]);
      if (exists.rowCount) continue;
      try {
        await client.query(`CREATE ROLE ${identifier(role.name)} LOGIN PASSWORD ${literal(role.password)}`);
      } catch (error) {
        // Another process created it between the check and the CREATE.
        const code = (error as { code?: string }).code;
        if (code !== "42710" && code !== "23505") throw error;
      }
    }
  });
}

/**
 * Makes the owner role the owner of `database` and of everything the migrations made in its
 * public schema (a database migrated as the superuser before the roles existed), and lets the
 * application role create schemas, which pg-boss needs for its own (`pgboss`). A queue
 * schema left by another owner is dropped: its jobs are rebuilt from the provisioning
 * attempts (the worker's sweep), which are the durable record.
 */
export async function prepareDatabase(adminUrl: string, database: string, roles: DatabaseRoles = LOCAL_ROLES): Promise<void> {
  const owner = identifier(roles.owner.name);
  await withClient(adminUrl, (client) =>
    client.query(`ALTER DATABASE ${identifier(database)} OWNER TO ${owner}; GRANT CONNECT, CREATE ON DATABASE ${identifier(database)} TO ${identifier(roles.app.name)}`),
  );
  await withClient(urlForDatabase(adminUrl, database), async (client) => {
    await client.query(`
      DO $$
      DECLARE
        target regrole := ${literal(roles.owner.name)}::regrole;
        item record;
      BEGIN
        FOR item IN
          SELECT c.oid::regclass::text AS name FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relowner <> target
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        LOOP
          EXECUTE format('ALTER TABLE %s OWNER TO %I', item.name, target);
        END LOOP;
        FOR item IN
          SELECT p.oid::regprocedure::text AS name FROM pg_proc p
           WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> target
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
        LOOP
          EXECUTE format('ALTER ROUTINE %s OWNER TO %I', item.name, target);
        END LOOP;
        FOR item IN
          SELECT t.oid::regtype::text AS name FROM pg_type t
           WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd') AND t.typowner <> target
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
        LOOP
          EXECUTE format('ALTER TYPE %s OWNER TO %I', item.name, target);
        END LOOP;
      END;
      $$`);
    const queue = await client.query<{ owner: string }>(
      "SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1",
      [QUEUE_SCHEMA],
    );
    const queueOwner = queue.rows[0]?.owner;
    if (queueOwner !== undefined && queueOwner !== roles.app.name) {
      await client.query(`DROP SCHEMA ${identifier(QUEUE_SCHEMA)} CASCADE`);
    }
  });
}

/**
 * The application role's rights, granted by the owner (run after every migration): CONNECT,
 * USAGE on public, read/write on the app's tables, INSERT and SELECT only on the append-only
 * tables, SELECT only on the read-only ones, nothing on Prisma's migration history; the
 * same defaults for tables later migrations create.
 */
export function appRoleGrantsSql(appRole: string): string {
  const app = identifier(appRole);
  const tables = (names: readonly string[]) => names.map((name) => `public.${identifier(name)}`).join(", ");
  return `
    GRANT USAGE ON SCHEMA public TO ${app};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app};
    REVOKE ALL ON ${tables([...APPEND_ONLY_TABLES, ...READ_ONLY_TABLES, ...PRIVATE_TABLES])} FROM ${app};
    GRANT SELECT, INSERT ON ${tables(APPEND_ONLY_TABLES)} TO ${app};
    GRANT SELECT ON ${tables(READ_ONLY_TABLES)} TO ${app};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${app};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${app};
  `;
}

/** Grants the application role its rights; `ownerUrl` must log in as the tables' owner. */
export async function grantAppRole(ownerUrl: string, appRole: string): Promise<void> {
  await withClient(ownerUrl, (client) => client.query(appRoleGrantsSql(appRole)));
}

/**
 * What the application's connection could do to the audit log that it must not: a line per
 * problem (superuser, owner of audit_event, UPDATE/DELETE/TRUNCATE on it). Empty when the role
 * is as restricted as it should be.
 */
export async function appRoleProblems(appUrl: string): Promise<string[]> {
  return withClient(appUrl, async (client) => {
    const { rows } = await client.query<{
      role: string;
      superuser: boolean;
      owner: boolean;
      update: boolean;
      delete: boolean;
      truncate: boolean;
      trigger: boolean;
    }>(`
      SELECT current_user AS role,
             r.rolsuper AS superuser,
             pg_has_role(current_user, c.relowner, 'USAGE') AS owner,
             has_table_privilege('public.audit_event', 'UPDATE') AS update,
             has_table_privilege('public.audit_event', 'DELETE') AS delete,
             has_table_privilege('public.audit_event', 'TRUNCATE') AS truncate,
             has_table_privilege('public.audit_event', 'TRIGGER') AS trigger
        FROM pg_roles r, pg_class c
       WHERE r.rolname = current_user AND c.oid = 'public.audit_event'::regclass`);
    const row = rows[0];
    if (!row) return ["the audit_event table is missing"];
    const problems: string[] = [];
    if (row.superuser) problems.push(`${row.role} is a superuser`);
    else if (row.owner) problems.push(`${row.role} owns audit_event (or is a member of its owner)`);
    const rights = (["update", "delete", "truncate", "trigger"] as const).filter((right) => row[right]);
    if (!row.superuser && !row.owner && rights.length) problems.push(`${row.role} has ${rights.map((right) => right.toUpperCase()).join(", ")} on audit_event`);
    return problems;
  });
}
