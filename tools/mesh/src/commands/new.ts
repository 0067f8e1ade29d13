import { dirname } from 'node:path';
import { UsageError } from '@retail-mesh/sdk';
import type { GlobalOptions, Io } from '../context.js';
import { findConfigFile } from '../discovery.js';
import { domainScaffold, registerDomain, writeScaffold } from '../scaffold.js';

/** `mesh new domain <name>`: a domain package, registered in mesh.yaml, ready to build. */
export async function run(values: GlobalOptions, names: string[], io: Io): Promise<number> {
  const [what, name, ...extra] = names;
  if (what !== 'domain' || !name || extra.length)
    throw new UsageError(
      'bad-arguments',
      'Usage: mesh new domain <name> (lower snake_case, such as supplier).',
    );
  const config = findConfigFile(values.config);
  if (!config)
    throw new UsageError(
      'bad-arguments',
      'No mesh.yaml here or above: run mesh new in the mesh repository (or give --config).',
    );
  const root = dirname(config);
  const scaffold = domainScaffold(root, name);
  const files = writeScaffold(root, scaffold);
  registerDomain(config, scaffold.folder);
  if (values.json)
    io.out(
      JSON.stringify(
        { domain: name, package: scaffold.packageName, folder: scaffold.folder, files },
        null,
        2,
      ),
    );
  else
    io.out(
      [
        `Created ${scaffold.packageName} in ${scaffold.folder} (${files.length} files) and listed it in mesh.yaml.`,
        'Next: npx -y pnpm@10.34.9 install && npx -y pnpm@10.34.9 build && npx -y pnpm@10.34.9 mesh up',
      ].join('\n'),
    );
  return 0;
}
