import "server-only";
import { env } from "@/lib/env";

/**
 * Sandbox mode: the portal reaches AWS through an endpoint (AWS_ENDPOINT_URL, the local
 * sandbox) instead of AWS itself. Then every AWS CLI command the portal displays carries
 * `--endpoint-url` with the sandbox's URL as the customer's shell reaches it
 * (SANDBOX_CLI_ENDPOINT_URL, by default AWS_ENDPOINT_URL), the header shows a "Sandbox" badge,
 * and the keys step offers "Deploy in the sandbox".
 */
export interface SandboxMode {
  /** Where the portal's own SDK clients send their calls. */
  portalEndpointUrl: string;
  /** What displayed commands put after `--endpoint-url`. */
  cliEndpointUrl: string;
}

export function sandboxMode(): SandboxMode | null {
  const { awsEndpoint, cliEndpointUrl } = env();
  if (awsEndpoint === undefined) return null;
  return { portalEndpointUrl: awsEndpoint, cliEndpointUrl: cliEndpointUrl ?? awsEndpoint };
}

/**
 * The endpoint part of a command context (lib/byok/commands.ts `CommandContext.endpointUrl`, or
 * the options of `keyCommands`): `{ endpointUrl }` in sandbox mode, `{}` against real AWS, so
 * `{ ...context, ...cliEndpointOption() }` renders byte for byte what it rendered before.
 */
export function cliEndpointOption(): { endpointUrl?: string } {
  const mode = sandboxMode();
  return mode === null ? {} : { endpointUrl: mode.cliEndpointUrl };
}
