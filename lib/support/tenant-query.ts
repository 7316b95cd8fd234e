import { z } from "zod";
import type { KeyHealthState } from "@/generated/prisma/enums";
import { KEY_HEALTH_STATES } from "@/lib/key-health/states";
import { isSingleLine } from "./input";

/**
 * The tenants list's query, as it sits in the URL (shareable links). One schema for the
 * search form and the server.
 */
export const TENANT_SORTS = {
  name: "Name (A–Z)",
  "-name": "Name (Z–A)",
  activity: "Last activity (newest first)",
  environments: "Most environments",
  status: "Worst status first",
  keyHealth: "Worst key health first",
} as const;
export type TenantSort = keyof typeof TENANT_SORTS;

export const ENVIRONMENT_STATUSES = ["DRAFT", "PROVISIONING", "READY", "FAILED"] as const;
export const ENCRYPTION_MODES = ["VENDOR_MANAGED", "CUSTOMER_MANAGED"] as const;

const emptyToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

export function tenantQuerySchema(supportedRegions: readonly string[]) {
  return z.object({
    q: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine(isSingleLine, "A search cannot contain control characters (such as NUL) or line breaks; type it again without them.")
        .trim()
        .max(200, "Search for at most 200 characters.")
        .optional(),
    ),
    status: z.preprocess(emptyToUndefined, z.enum(ENVIRONMENT_STATUSES, { error: "Unknown status filter." }).optional()),
    mode: z.preprocess(emptyToUndefined, z.enum(ENCRYPTION_MODES, { error: "Unknown encryption mode filter." }).optional()),
    // Tenants with at least one environment in this key-health state.
    keyHealth: z.preprocess(
      emptyToUndefined,
      z.enum(KEY_HEALTH_STATES as [KeyHealthState, ...KeyHealthState[]], { error: "Unknown key health filter; choose a state from the Key health list." }).optional(),
    ),
    region: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((region) => supportedRegions.includes(region), { message: "Unknown region filter." })
        .optional(),
    ),
    sort: z.preprocess(
      emptyToUndefined,
      z.enum(Object.keys(TENANT_SORTS) as [TenantSort, ...TenantSort[]], { error: "Unknown sort order." }).default("name"),
    ),
    cursor: z.preprocess(emptyToUndefined, z.string().max(400, "That page link is not valid; showing the first page.").optional()),
  });
}
export type TenantQuery = z.infer<ReturnType<typeof tenantQuerySchema>>;

/** The first value of each search parameter, as Next hands them to a page. */
export function firstValues(searchParams: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(searchParams).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]));
}

/** The URL of the list for a query (without empty values). */
export function tenantListHref(query: Partial<TenantQuery>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "" && !(key === "sort" && value === "name")) params.set(key, String(value));
  }
  const text = params.toString();
  return `/support/tenants${text ? `?${text}` : ""}`;
}
