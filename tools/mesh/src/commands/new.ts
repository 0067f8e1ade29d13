import { dirname, relative } from 'node:path';
import { UsageError } from '@retail-mesh/sdk';
import type { GlobalOptions, Io } from '../context.js';
import { findConfigFile, importDomains } from '../discovery.js';
import {
  domainScaffold,
  productScaffold,
  registerDomain,
  writeProductScaffold,
  writeScaffold,
} from '../scaffold.js';

const USAGE = 'mesh new domain <name> | mesh new product <domain>.<name> (lower snake_case)';
const NEXT = 'Next: npx -y pnpm@10.34.9 install && npx -y pnpm@10.34.9 build && npx -y pnpm@10.34.9 mesh up';

/**
 * `mesh new domain <name>`: a domain package, registered in mesh.yaml, ready to build.
 * `mesh new product <domain>.<name>`: a product and its test in that domain's package.
 */
export async function run(values: GlobalOptions, names: string[], io: Io): Promise<number> {
  const [what, name, ...extra] = names;
  if ((what !== 'domain' && what !== 'product') || !name || extra.length)
    throw new UsageError('bad-arguments', `Usage: ${USAGE}.`);
  const config = findConfigFile(values.config);
  if (!config)
    throw new UsageError(
      'bad-arguments',
      'No mesh.yaml here or above: run mesh new in the mesh repository (or give --config).',
    );
  const root = dirname(config);
  if (what === 'product') {
    const domainName = name.split('.')[0];
    const target = (await importDomains(values)).find(
      (m) => (m.module.domain as { name?: string } | undefined)?.name === domainName,
    );
    if (!target)
      throw new UsageError('unknown-domain', `No domain of mesh.yaml is named ${domainName}.`, {
        domain: domainName,
      });
    const files = writeProductScaffold(target, productScaffold(target, name)).map((f) => relative(root, f));
    if (values.json) io.out(JSON.stringify({ product: name, files }, null, 2));
    else io.out(`Created ${name} in ${relative(root, target.folder)} (${files.join(', ')}).\n${NEXT}`);
    return 0;
  }
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
      `Created ${scaffold.packageName} in ${scaffold.folder} (${files.length} files) and listed it in mesh.yaml.\n${NEXT}`,
    );
  return 0;
}
