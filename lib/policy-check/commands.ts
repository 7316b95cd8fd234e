import "server-only";
import { parseKeyArn } from "@/lib/byok/arns";
import { keyCommands } from "@/lib/byok/commands";
import { regionPattern } from "@/lib/byok/values";
import { cliEndpointOption } from "@/lib/sandbox-deploy/mode";

/**
 * The commands for one of the environment's keys; a key ARN or Region that is not valid becomes a
 * placeholder. In sandbox mode they carry the sandbox's `--endpoint-url` (lib/sandbox-deploy/mode.ts).
 */
export function keyCommandsFor(keyArn: string | null, region: string) {
  return keyCommands(keyArn && parseKeyArn(keyArn) ? keyArn : "YOUR_KEY_ARN", regionPattern.test(region) ? region : "YOUR_REGION", cliEndpointOption());
}
