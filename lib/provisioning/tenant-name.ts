import { randomInt } from "node:crypto";
import { tenantNamePattern } from "@/lib/byok/values";

/**
 * Tenant names: the organization's slug and a short random suffix, e.g. `acme-k3v9q2`.
 * Lower-case letters, digits and inner hyphens only and at most 40 characters, so the name
 * fits inside a KMS alias (`alias/<prefix>-objectstorage-byok-<tenant>`, at most 256
 * characters of `[a-zA-Z0-9/_-]`) and a tag value without any escaping.
 */
export const TENANT_NAME_MAX_LENGTH = 40;
const SUFFIX_LENGTH = 6;
// No 0/o or 1/l, so a name read aloud or copied by hand stays unambiguous.
const SUFFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

/** The readable part: the slug folded to `[a-z0-9-]`, hyphens collapsed, trimmed to fit. */
export function tenantNameStem(organizationSlug: string): string {
  const folded = organizationSlug
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const room = TENANT_NAME_MAX_LENGTH - SUFFIX_LENGTH - 1;
  const stem = folded.slice(0, room).replace(/-+$/, "");
  return stem === "" ? "tenant" : stem;
}

export function randomTenantSuffix(random: (max: number) => number = randomInt): string {
  let suffix = "";
  for (let i = 0; i < SUFFIX_LENGTH; i += 1) suffix += SUFFIX_ALPHABET.charAt(random(SUFFIX_ALPHABET.length));
  return suffix;
}

export function proposeTenantName(organizationSlug: string, random?: (max: number) => number): string {
  const name = `${tenantNameStem(organizationSlug)}-${randomTenantSuffix(random)}`;
  if (name.length > TENANT_NAME_MAX_LENGTH || !tenantNamePattern.test(name)) {
    throw new Error(`Generated tenant name ${JSON.stringify(name)} is not valid.`);
  }
  return name;
}
