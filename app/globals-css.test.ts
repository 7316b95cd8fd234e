import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import tailwind from "@tailwindcss/postcss";
import postcss from "postcss";
import { describe, expect, it } from "vitest";

/**
 * The dev server recompiles the stylesheet (and refreshes open pages) whenever a file it
 * depends on changes. With Tailwind's automatic source detection that was every file in the
 * checkout not covered by .gitignore: a checkout whose .gitignore did not cover the embedded
 * database's directory refreshed its pages many times a minute while PostgreSQL wrote there.
 */
const projectRoot = path.resolve(import.meta.dirname, "..");

async function dependenciesOf(base: string): Promise<string[]> {
  const file = path.join(base, "app/globals.css");
  const result = await postcss([tailwind({ base })]).process(readFileSync(file, "utf8"), { from: file });
  return result.messages
    .filter((message) => message.type === "dependency" || message.type === "dir-dependency")
    .map((message) => path.relative(base, String(message.file ?? message.dir)));
}

describe("app/globals.css", () => {
  it("depends only on the UI's code, even where .gitignore covers nothing", async () => {
    // A checkout outside any git repository: nothing is ignored unless the stylesheet says so.
    const copy = mkdtempSync(path.join(tmpdir(), "byok-css-"));
    try {
      symlinkSync(path.join(projectRoot, "node_modules"), path.join(copy, "node_modules"));
      for (const dir of ["app", "components", "lib"]) mkdirSync(path.join(copy, dir));
      writeFileSync(path.join(copy, "app/globals.css"), readFileSync(path.join(projectRoot, "app/globals.css")));
      writeFileSync(path.join(copy, "app/page.tsx"), `export default () => <p className="flex" />;`);
      // What a database writes: extension-less files, which Tailwind's own detection scans.
      mkdirSync(path.join(copy, ".data/pg/base"), { recursive: true });
      writeFileSync(path.join(copy, ".data/pg/base/1259"), "flex grid");
      mkdirSync(path.join(copy, "scripts"));
      writeFileSync(path.join(copy, "scripts/run.ts"), `const css = "grid";`);
      const dependencies = await dependenciesOf(copy);
      expect(dependencies).toContain("app/page.tsx");
      const outside = dependencies.filter((dependency) => !/^(app|components|lib)(\/|$)/.test(dependency) && !dependency.includes("node_modules"));
      expect(outside).toEqual([]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
