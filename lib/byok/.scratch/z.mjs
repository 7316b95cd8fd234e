import { z } from "zod";
const f = z.string({ error: "empty!" }).transform((v, c) => { if (v.trim()==="bad") { c.addIssue({ code: "custom", message: "bad value" }); return z.NEVER; } return v.trim(); });
const o = z.object({ a: f, b: f }).superRefine((v, c) => { if (v.a === v.b) c.addIssue({ code: "custom", path: ["b"], message: "same" }); });
console.log(JSON.stringify(o.safeParse({ a: "x", b: "x" }).error?.issues));
console.log(JSON.stringify(o.safeParse({ a: "bad", b: "x" }).error?.issues));
console.log(JSON.stringify(o.safeParse({ a: 1, b: "x" }).error?.issues));
console.log(JSON.stringify(o.safeParse({ a: " y ", b: "y" }).error?.issues));
