/** Key tags: TagResource (adds or overwrites), UntagResource, ListResourceTags. */
import { optStringList } from "../../input";
import type { Operation, World } from "../../world";
import { keyOperation, keyUpdate } from "./access";
import { requireNotPendingDeletion, toTags } from "./lookup";
import type { KmsTag } from "./model";

function mergeTags(existing: KmsTag[], added: KmsTag[]): KmsTag[] {
  const map = new Map(existing.map((t) => [t.TagKey, t.TagValue]));
  for (const t of added) map.set(t.TagKey, t.TagValue);
  return [...map].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}

export function tagOperations(world: World): Record<string, Operation> {
  return {
    TagResource: keyUpdate(world, "TagResource", (key, input) => {
      requireNotPendingDeletion(key);
      key.tags = mergeTags(key.tags, toTags(input, "Tags"));
    }),

    UntagResource: keyUpdate(world, "UntagResource", (key, input) => {
      requireNotPendingDeletion(key);
      const remove = new Set(optStringList(input, "TagKeys") ?? []);
      key.tags = key.tags.filter((t) => !remove.has(t.TagKey));
    }),

    ListResourceTags: keyOperation(world, "ListResourceTags", (key) => ({ Tags: key.tags.map((t) => ({ ...t })), Truncated: false }), { allowAlias: false }),
  };
}
