import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ensureDirectory, UsageError } from '@retail-mesh/sdk';
import { loadCatalog } from '../catalog-model.js';
import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { fileSystemError, isFileSystemError } from '../files.js';
import { loadMesh } from '../mesh.js';
import { renderPortal } from '../portal/index.js';

export async function run(
  values: GlobalOptions & { out?: string },
  names: string[],
  io: Io,
): Promise<number> {
  if (names.length)
    throw new UsageError('bad-arguments', `mesh catalog takes no names (got ${names.join(' ')}).`);
  if (!values.out?.trim())
    throw new UsageError('bad-arguments', 'mesh catalog needs --out <dir>: where to write the portal.');
  const out = resolve(values.out);
  // Before the warehouse is read: a directory that cannot be made fails at once.
  ensureDirectory(out, '--out');
  const mesh = await loadMesh(values);
  const model = await withWarehouse(values, (warehouse, context) =>
    loadCatalog(warehouse, mesh, { anomalies: context.config.anomalies, schedule: context.config.schedule }),
  );
  const files: string[] = [];
  for (const [name, text] of Object.entries(renderPortal(model))) {
    const file = join(out, name);
    try {
      writeFileSync(file, text);
    } catch (error) {
      throw isFileSystemError(error) ? fileSystemError(error, '--out') : error;
    }
    files.push(file);
  }
  const index = join(out, 'index.html');
  const near = relative(process.cwd(), index);
  if (values.json) io.out(JSON.stringify({ out, files, products: model.products.length }, null, 2));
  else
    io.out(
      `Wrote the catalog of ${model.products.length} products to ${near && !near.startsWith('..') ? near : index}: open it in a browser.`,
    );
  return 0;
}
