import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMesh } from './mesh.js';
import { sourcesMarkdown } from './sources-doc.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');

describe('README', () => {
  // Users map their exports onto these columns: the README must say exactly what the sources are.
  it('documents every source column as the definitions say (regenerate: mesh sources --markdown)', async () => {
    const start = readme.indexOf('<!-- sources:start -->');
    const end = readme.indexOf('<!-- sources:end -->');
    expect(start).toBeGreaterThan(-1);
    expect(readme.slice(start + '<!-- sources:start -->'.length, end).trim()).toBe(
      sourcesMarkdown(await loadMesh()).trim(),
    );
  });

  // No global pnpm is assumed (Quick start): turbo, run bare through npx, cannot find pnpm.
  it('runs turbo and pnpm through npx -y pnpm@<version> in every shell block', () => {
    const shell = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'));
    expect(shell.length).toBeGreaterThan(0);
    const bare = shell.filter((line) => /(^|[;&|]\s*)(npx (?!-y pnpm@)|pnpm |turbo )/.test(line.trim()));
    expect(bare).toEqual([]);
  });
});
