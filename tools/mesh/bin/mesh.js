#!/usr/bin/env node
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'mesh is not built yet: run `npx -y pnpm@10.34.9 build` at the repository root first.\n',
  );
  process.exit(2);
}
await import(cli.href);
