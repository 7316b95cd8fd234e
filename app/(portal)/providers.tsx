"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { z } from "zod";

// zod 4 probes `new Function("")` on its first object parse to decide whether to compile
// validators; under the portal's CSP (no 'unsafe-eval') the probe is refused and the browser
// reports a CSP violation (Lighthouse: best practices 96). Without JIT there is no probe.
z.config({ jitless: true });

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { retry: 2, refetchOnWindowFocus: true } } }));
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
