import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDirectory, UsageError } from '@retail-mesh/sdk';
import type { GlobalOptions, Io } from '../context.js';
import { lineageMermaid, lineageOf, lineageText } from '../lineage.js';
import { loadMesh } from '../mesh.js';

export async function run(
  values: GlobalOptions & { mermaid?: boolean; out?: string },
  names: string[],
  io: Io,
): Promise<number> {
  if (names.length)
    throw new UsageError('bad-arguments', `mesh lineage takes no names (got ${names.join(' ')}).`);
  if (values.json && values.mermaid)
    throw new UsageError('bad-arguments', 'Choose one of --json and --mermaid.');
  const lineage = lineageOf(await loadMesh(values));
  if (values.out) {
    const dir = resolve(values.out);
    ensureDirectory(dir, '--out');
    writeFileSync(join(dir, 'lineage.json'), `${JSON.stringify(lineage, null, 2)}\n`);
    writeFileSync(join(dir, 'lineage.mmd'), lineageMermaid(lineage));
    io.err(`wrote ${join(dir, 'lineage.json')} and ${join(dir, 'lineage.mmd')}`);
  }
  io.out(
    values.json
      ? JSON.stringify(lineage, null, 2)
      : values.mermaid
        ? lineageMermaid(lineage)
        : lineageText(lineage),
  );
  return 0;
}
