import { parseKeyArn } from "@/lib/byok/arns";
import { keyCommands } from "@/lib/byok/commands";
import { regionPattern } from "@/lib/byok/values";

/** The commands for one of the environment's keys; a key ARN or Region that is not valid becomes a placeholder. */
export function keyCommandsFor(keyArn: string | null, region: string) {
  return keyCommands(keyArn && parseKeyArn(keyArn) ? keyArn : "YOUR_KEY_ARN", regionPattern.test(region) ? region : "YOUR_REGION");
}
