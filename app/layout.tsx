import type { Metadata } from "next";
import type { ReactNode } from "react";
import { env } from "@/lib/env";
import "./globals.css";

// Every page depends on the session or on runtime configuration (the brand name).
export const dynamic = "force-dynamic";

export function generateMetadata(): Metadata {
  return {
    title: { default: `${env().brandName} environments`, template: `%s · ${env().brandName}` },
    description: `Create ${env().brandName} environments whose data is encrypted with your own AWS KMS keys, and follow their provisioning.`,
  };
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">{children}</body>
    </html>
  );
}
