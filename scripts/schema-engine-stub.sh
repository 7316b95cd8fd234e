#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded here.
# It must fail: a stub that succeeds makes `prisma migrate deploy` apply nothing and
# report success. Migrations go through prisma/migrate.ts (WebAssembly engine).
echo "The native Prisma schema engine is not used by this project; see prisma/migrate.ts." >&2
exit 1
