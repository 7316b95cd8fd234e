import { describe, expect, test } from "vitest";
import { controlsTransactions } from "./migrations";
import { describeError, listenFailure, portSetting, StartupError } from "./startup";

describe("describeError: one line for anything thrown", () => {
  test("an Error's message, newlines collapsed", () => {
    expect(describeError(new Error("Can't reach database server at `127.0.0.1:1`\n\nPlease make sure it runs.\n"))).toBe(
      "Can't reach database server at `127.0.0.1:1` Please make sure it runs.",
    );
  });

  test("an AggregateError without a message lists its errors once each", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const refused6 = Object.assign(new Error("connect ECONNREFUSED ::1:1"), { code: "ECONNREFUSED" });
    expect(describeError(new AggregateError([refused, refused6, refused]))).toBe("connect ECONNREFUSED 127.0.0.1:1; connect ECONNREFUSED ::1:1");
  });

  test("an Error without a message falls back to its code, then its name", () => {
    expect(describeError(Object.assign(new Error(""), { code: "EPIPE" }))).toBe("EPIPE");
    expect(describeError(new StartupError(""))).toBe("StartupError");
  });

  test("strings, objects and nothing at all", () => {
    expect(describeError("disk full")).toBe("disk full");
    expect(describeError({ code: 7 })).toBe('{"code":7}');
    expect(describeError(undefined)).toBe("it failed without saying why (no error message was given)");
    expect(describeError(null)).toBe("it failed without saying why (no error message was given)");
  });
});

describe("portSetting", () => {
  test("the fallback when unset or blank, the number when valid", () => {
    expect(portSetting("SANDBOX_PORT", 4566, {})).toBe(4566);
    expect(portSetting("SANDBOX_PORT", 4566, { SANDBOX_PORT: " " })).toBe(4566);
    expect(portSetting("SANDBOX_PORT", 4566, { SANDBOX_PORT: "4600" })).toBe(4600);
  });

  test.each(["0", "65536", "45a", "-1", "4.5"])("%s is refused with what to do", (raw) => {
    expect(() => portSetting("SANDBOX_PORT", 4566, { SANDBOX_PORT: raw })).toThrow(
      `SANDBOX_PORT must be a port number from 1 to 65535 (got "${raw}"); unset it to use 4566.`,
    );
  });
});

test("listenFailure names the port, the cause and the setting to change", () => {
  expect(listenFailure("The AWS sandbox", 4566, "127.0.0.1", "EADDRINUSE", "SANDBOX_PORT")).toBe(
    "The AWS sandbox could not start: port 4566 on 127.0.0.1 is in use by another program. Stop that program, or set SANDBOX_PORT to a free port.",
  );
  expect(listenFailure("The portal", 80, undefined, "EACCES", "PORT")).toBe("The portal could not start: this user may not listen on port 80. Set PORT to a port above 1023.");
  expect(listenFailure("The portal", 3000, "10.9.9.9", "EADDRNOTAVAIL", "PORT")).toBe(
    "The portal could not start: 10.9.9.9 is not an address of this machine; listen on one of its own addresses.",
  );
});

describe("controlsTransactions: whether re-running a migration inside a rolled-back transaction is safe", () => {
  test("plain DDL and PL/pgSQL bodies (whose BEGIN and END; are not transaction control) are safe", () => {
    const script = `
      CREATE TABLE "a" ("id" TEXT);
      -- COMMIT; in a comment
      INSERT INTO "a" VALUES ('BEGIN; END;');
      UPDATE "a" SET "id" = CASE WHEN "id" = '' THEN 'x' ELSE "id" END;
      CREATE FUNCTION f() RETURNS trigger AS $$
      BEGIN
        RETURN NULL;
      END;
      $$ LANGUAGE plpgsql;
      CREATE FUNCTION g() RETURNS void AS $body$ BEGIN PERFORM 1; END; $body$ LANGUAGE plpgsql;`;
    expect(controlsTransactions(script)).toBe(false);
  });

  test.each(["COMMIT;", "BEGIN;", "END;", "ROLLBACK;", "START TRANSACTION;", "SAVEPOINT s;"])("a script with %s is not re-run", (statement) => {
    expect(controlsTransactions(`CREATE TABLE "a" ("id" TEXT);\n${statement}\nCREATE TABLE "b" ("id" TEXT);`)).toBe(true);
  });
});
