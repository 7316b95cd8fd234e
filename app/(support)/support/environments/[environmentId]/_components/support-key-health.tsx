"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ComponentProps } from "react";
import { KeyHealth } from "@/components/key-health";
import { supportCheckKeyHealthNowAction } from "../../../actions";

/**
 * The customer's Key health region with support's own "Check now" and polling route. The
 * support console has no query client of its own: this region is its only live part.
 */
export function SupportKeyHealth(props: Omit<ComponentProps<typeof KeyHealth>, "checkNow" | "pollPath" | "policyCheckAnchor">) {
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { retry: 2, refetchOnWindowFocus: true } } }));
  return (
    <QueryClientProvider client={client}>
      <KeyHealth {...props} pollPath={`/api/support/environments/${props.environmentId}/key-health`} checkNow={supportCheckKeyHealthNowAction} />
    </QueryClientProvider>
  );
}
