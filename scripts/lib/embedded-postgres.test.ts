import { describe, expect, test } from "vitest";
import { explainStartFailure } from "./embedded-postgres";

const at = (severity: string, text: string) => `2026-11-29 10:56:37.681 UTC [15932] ${severity}:  ${text}\n`;
const base = { dataDir: "/work/main/.data/pg", port: 54329, portSetting: "EMBEDDED_PG_PORT" };

describe("why the embedded PostgreSQL did not start, in one line", () => {
  test("its data folder is held by another running PostgreSQL", () => {
    const output = at("FATAL", 'lock file "postmaster.pid" already exists') + at("HINT", 'Is another postmaster (PID 4242) running in data directory "/work/main/.data/pg"?');
    expect(explainStartFailure({ ...base, output, cause: undefined })).toBe(
      "The embedded PostgreSQL could not start: its data folder /work/main/.data/pg is in use by another running PostgreSQL (PID 4242), " +
        "probably a portal, script or test run started earlier from this checkout. Stop that one (kill 4242), then start again.",
    );
  });

  test("its TCP port is taken", () => {
    const output =
      at("LOG", 'could not bind IPv4 address "127.0.0.1": Address already in use') +
      at("HINT", "Is another postmaster already running on port 54329? If not, wait a few seconds and retry.") +
      at("WARNING", 'could not create listen socket for "127.0.0.1"') +
      at("FATAL", "could not create any TCP/IP sockets");
    expect(explainStartFailure({ ...base, output, cause: undefined })).toBe(
      "The embedded PostgreSQL could not start: port 54329 on 127.0.0.1 is in use by another program. Stop that program, or set EMBEDDED_PG_PORT to a free port.",
    );
  });

  test("its socket's lock file belongs to another PostgreSQL on the same port; without a setting the advice is generic", () => {
    const output = at("FATAL", 'lock file "/tmp/.s.PGSQL.54329.lock" already exists') + at("HINT", 'Is another postmaster (PID 77) using socket file "/tmp/.s.PGSQL.54329"?');
    expect(explainStartFailure({ ...base, portSetting: undefined, output, cause: undefined })).toBe(
      "The embedded PostgreSQL could not start: port 54329 on 127.0.0.1 is in use by another program. Stop that program, or give it another port.",
    );
  });

  test("any other fatal message, with its detail and PostgreSQL's own hint", () => {
    const output =
      at("FATAL", "database files are incompatible with server") +
      at("DETAIL", "The data directory was initialized by PostgreSQL version 17, which is not compatible with this version 18.4.");
    expect(explainStartFailure({ ...base, output, cause: undefined })).toBe(
      "The embedded PostgreSQL could not start: database files are incompatible with server (The data directory was initialized by PostgreSQL version 17, " +
        "which is not compatible with this version 18.4). Fix that in /work/main/.data/pg, or move the folder away to start with an empty database.",
    );
    const withHint = at("FATAL", 'data directory "/work/main/.data/pg" has wrong ownership') + at("HINT", "The server must be started by the user that owns the data directory.");
    expect(explainStartFailure({ ...base, output: withHint, cause: undefined })).toBe(
      'The embedded PostgreSQL could not start: data directory "/work/main/.data/pg" has wrong ownership. The server must be started by the user that owns the data directory.',
    );
  });

  test("initdb's failure, from the Error embedded-postgres rejects with", () => {
    const cause = new Error(
      'Postgres init script failed (code: 1, signal: null). ERROR OUTPUT: initdb: error: directory "/work/main/.data/pg" exists but is not empty\ninitdb: hint: If you want to create a new database system, either remove or empty the directory.\n',
    );
    expect(explainStartFailure({ ...base, output: "", cause })).toBe(
      'The embedded PostgreSQL could not start: creating its data folder /work/main/.data/pg failed: directory "/work/main/.data/pg" exists but is not empty. ' +
        "Fix that, or remove the half-made folder, and start again.",
    );
  });

  test("an Error of embedded-postgres's own is passed on", () => {
    expect(explainStartFailure({ ...base, output: "", cause: new Error("Failed to create and initialize a new user on this system.") })).toBe(
      "The embedded PostgreSQL could not start: Failed to create and initialize a new user on this system.",
    );
  });

  test("a rejection with undefined and no output still says something useful (never `undefined`)", () => {
    expect(explainStartFailure({ ...base, output: "", cause: undefined })).toBe(
      "The embedded PostgreSQL could not start: it exited before accepting connections without saying why. " +
        "Check that /work/main/.data/pg holds a PostgreSQL data folder, or move it away to start with an empty database.",
    );
    expect(explainStartFailure({ ...base, output: at("LOG", "received fast shutdown request"), cause: undefined })).toBe(
      "The embedded PostgreSQL could not start: it exited before accepting connections (last message: received fast shutdown request). " +
        "Check that /work/main/.data/pg holds a PostgreSQL data folder, or move it away to start with an empty database.",
    );
  });
});
