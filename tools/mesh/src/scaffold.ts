import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { UsageError } from '@retail-mesh/sdk';
import { isSeq, parseDocument } from 'yaml';

/** What `mesh new domain` writes, by path relative to the repository. */
export interface Scaffold {
  readonly folder: string;
  readonly packageName: string;
  readonly files: Record<string, string>;
}

/** Import or export lines in the order a formatter keeps them: by module path. */
const byModulePath = (lines: readonly string[]) =>
  [...lines].sort((a, b) => (/'(.+)'/.exec(a)?.[1] ?? '').localeCompare(/'(.+)'/.exec(b)?.[1] ?? ''));

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const kebab = (snake: string) => snake.replace(/_/g, '-');

/** The platform's own versions, so a new package builds and tests with what the others use. */
function toolVersions(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const all = { ...manifest.dependencies, ...manifest.devDependencies };
  return {
    tools: manifest.version,
    typescript: all.typescript ?? '5.9.3',
    tsup: all.tsup ?? '8.5.0',
    vitest: all.vitest ?? '4.1.12',
    '@types/node': all['@types/node'] ?? '20.19.43',
  };
}

/**
 * A domain package that passes governance, builds, tests and is healthy after `mesh up` as it
 * is: a domain, a source with a sample generator, a product over it, and a test that builds
 * the product on DuckDB from rows it writes.
 */
export function domainScaffold(root: string, name: string): Scaffold {
  if (!/^[a-z][a-z0-9_]*$/.test(name))
    throw new UsageError(
      'bad-arguments',
      `A domain name is lower snake_case (such as supplier), not ${name}.`,
    );
  const folder = join('domains', name);
  if (existsSync(join(root, folder)))
    throw new UsageError(
      'bad-arguments',
      `${folder} exists already: choose another name, or remove it first.`,
      {
        file: join(root, folder),
      },
    );
  const v = toolVersions();
  const workspace = existsSync(join(root, 'packages', 'mesh-sdk', 'package.json'));
  // Inside the platform's workspace its packages link; elsewhere they come from a registry.
  const platform = workspace ? 'workspace:^' : `^${v.tools}`;
  const packageName = `@retail-mesh/domain-${kebab(name)}`;
  const product = `${name}_daily_totals`;
  const productFile = kebab(product);
  const domainConst = `${camel(name)}Domain`;
  const sourceConst = `${camel(name)}Events`;
  const productConst = camel(product);
  const manifest = {
    name: packageName,
    version: '0.1.0',
    description: `The ${name} domain of retail-mesh.`,
    type: 'module',
    license: 'UNLICENSED',
    sideEffects: false,
    engines: { node: '>=20.12' },
    // For TypeScript's moduleResolution node10, which reads no exports.
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      // Its contracts as built (dist/contracts): `<package>/contracts/<product>.schema.json`.
      './contracts/*': './dist/contracts/*',
      './package.json': './package.json',
    },
    // What `changeset version` writes of each release, for the readers who upgrade.
    files: ['dist', 'contracts', 'CHANGELOG.md'],
    scripts: {
      build: 'tsup && mesh-contracts dist/index.js dist/contracts',
      typecheck: 'tsc --noEmit',
      test: 'vitest run --testTimeout=120000 --hookTimeout=120000',
      lint: 'biome check .',
    },
    dependencies: { '@retail-mesh/sdk': platform, zod: '4.6.7' },
    devDependencies: {
      '@retail-mesh/duckdb': platform,
      '@types/node': v['@types/node'],
      tsup: v.tsup,
      typescript: v.typescript,
      vitest: v.vitest,
    },
  };
  const base = existsSync(join(root, 'tsconfig.base.json'));
  const modules = [
    [domainConst, './domain.js'],
    [sourceConst, './sources.js'],
    [productConst, `./${productFile}.js`],
  ] as const;
  const lines = (kind: 'import' | 'export') =>
    byModulePath(modules.map(([n, m]) => `${kind} { ${n} } from '${m}';`)).join('\n');
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'tsconfig.json': base
      ? `{\n  "extends": "../../tsconfig.base.json",\n  "include": ["src"]\n}\n`
      : `${JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, declaration: true, skipLibCheck: true }, include: ['src'] }, null, 2)}\n`,
    'tsup.config.ts': existsSync(join(root, 'tsup.base.ts'))
      ? `import { meshPackage } from '../../tsup.base.ts';\n\nexport default meshPackage({ entry: ['src/index.ts'] });\n`
      : `import { defineConfig } from 'tsup';\n\nexport default defineConfig({ entry: ['src/index.ts'], format: ['esm'], dts: true, clean: true });\n`,
    'README.md': `# ${packageName}

The ${name} domain of the mesh, scaffolded by \`mesh new domain ${name}\`.

- \`src/domain.ts\`: the domain and its owner (change the team and email to yours).
- \`src/sources.ts\`: \`${name}.events\`, the export this domain lands (\`mesh ingest ${name}.events --from <file>\`),
  with a sample generator for \`mesh seed\`.
- \`src/${productFile}.ts\`: \`${product}\`, events and amounts per day; its test builds it on DuckDB.

Build and test only this package: \`npx -y pnpm@10.34.9 exec turbo build --filter=${packageName}...\`
and \`npx -y pnpm@10.34.9 exec turbo test --filter=${packageName}\` (turbo finds pnpm through it:
a bare \`npx turbo\` needs a global pnpm).
`,
    'src/domain.ts': `import { defineDomain } from '@retail-mesh/sdk';

export const ${domainConst} = defineDomain({
  name: '${name}',
  description: 'The ${name} domain: what it records, and the products it publishes from it.',
  owner: { team: '${kebab(name)}-data', email: '${kebab(name)}-data@retail.example' },
});
`,
    'src/sources.ts': `import { defineSource, z } from '@retail-mesh/sdk';
import { ${domainConst} } from './domain.js';

/** Events as the ${name} system exports them: one row per event, never updated. */
export const ${sourceConst} = defineSource({
  domain: ${domainConst},
  name: 'events',
  description: 'Events of the ${name} system, one row per event.',
  mode: 'append',
  schema: z.object({
    event_id: z.string().describe('Identifier of the event').meta({ key: true }),
    occurred_at: z.date().describe('When the event happened (UTC)'),
    amount: z.number().meta({ type: 'decimal' }).describe('Amount of the event'),
  }),
  // 1,000 events per unit of scale over the 30 days before the sample's clock (2026-11-01).
  sample: ({ scale, seed }) => \`
    SELECT 'E' || lpad(CAST(i AS VARCHAR), 9, '0') AS event_id,
      TIMESTAMP '2026-10-02 00:00:00' + to_seconds(CAST(hash(\${seed}, i) % (30 * 86400) AS BIGINT)) AS occurred_at,
      CAST(hash(\${seed} + 1, i) % 100000 AS DECIMAL(18, 2)) / 100 AS amount
    FROM range(CAST(ceil(1000 * \${scale}) AS BIGINT)) AS t(i)\`,
});
`,
    [`src/${productFile}.ts`]: `import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { ${domainConst} } from './domain.js';
import { ${sourceConst} } from './sources.js';

export const ${productConst} = defineDataProduct({
  domain: ${domainConst},
  name: '${product}',
  version: '1.0.0',
  description: 'Events and their total amount per day.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['analytics'],
  sla: { freshness: '1d' },
  schema: z.object({
    event_date: z.iso.date().describe('Day the events happened (UTC)').meta({ key: true }),
    events: z.int().describe('Events that day'),
    amount: z.number().meta({ type: 'decimal' }).describe('Total amount of the events that day'),
  }),
  inputs: { events: ${sourceConst} },
  transform: ({ events }) => sql\`
    SELECT \${sql.toDate(sql.id('occurred_at'))} AS event_date, COUNT(*) AS events, SUM(amount) AS amount
    FROM \${events}
    GROUP BY 1\`,
  checks: (c) => [
    c.event_date.unique(),
    c.event_date.notNull(),
    c.events.range({ min: 1 }),
    c.table.rowCount({ min: 1 }),
  ],
});
`,
    'src/index.ts': `${lines('import')}

${lines('export')}

/** Everything the ${name} domain publishes, for the platform to build. */
export const domain = ${domainConst};
export const sources = [${sourceConst}] as const;
export const products = [${productConst}] as const;
`,
    [`src/${productFile}.test.ts`]: `import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh, loadRows } from '@retail-mesh/sdk';
import { describe, expect, it } from 'vitest';
import { ${productConst}, ${sourceConst} } from './index.js';

describe('${product}', () => {
  it('counts the events and adds their amounts per day', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    try {
      await loadRows(warehouse, ${sourceConst}, [
        { event_id: 'E1', occurred_at: new Date('2026-10-01T09:00:00Z'), amount: 10.5 },
        { event_id: 'E2', occurred_at: new Date('2026-10-01T23:59:59Z'), amount: 4.5 },
        { event_id: 'E3', occurred_at: new Date('2026-10-02T00:00:00Z'), amount: 1 },
      ]);
      const [outcome] = await buildMesh(warehouse, [${productConst}]);
      expect(outcome?.error).toBeUndefined();
      expect(outcome?.status).toBe('published');
      const rows = [];
      for await (const row of ${productConst}.read(warehouse)) rows.push(row);
      expect(rows.sort((a, b) => a.event_date.localeCompare(b.event_date))).toEqual([
        { event_date: '2026-10-01', events: 2, amount: 15 },
        { event_date: '2026-10-02', events: 1, amount: 1 },
      ]);
    } finally {
      await warehouse.close();
    }
  });
});
`,
  };
  return { folder, packageName, files };
}

/** Writes a scaffold under the repository root; refuses to overwrite anything. */
export function writeScaffold(root: string, scaffold: Scaffold): string[] {
  const written: string[] = [];
  for (const [path, text] of Object.entries(scaffold.files)) {
    const file = join(root, scaffold.folder, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text, { flag: 'wx' });
    written.push(relative(root, file));
  }
  return written;
}

/** Adds a folder to the domains of mesh.yaml, keeping its comments and layout. */
export function registerDomain(configFile: string, folder: string): void {
  const doc = parseDocument(readFileSync(configFile, 'utf8'));
  const domains = doc.get('domains');
  if (isSeq(domains)) {
    if (!domains.items.some((item) => String((item as { value?: unknown }).value ?? item) === folder))
      domains.add(folder);
  } else doc.set('domains', [folder]);
  writeFileSync(configFile, doc.toString());
}

/** What `mesh new product` needs of the domain it adds to: its folder and loaded module. */
export interface DomainModule {
  readonly folder: string;
  readonly module: Record<string, unknown>;
}

/** The name a module exports a value under, and the source file of the domain package defining it. */
function exportOf(domain: DomainModule, value: unknown, file: string): string | undefined {
  const path = join(domain.folder, 'src', file);
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  return Object.entries(domain.module).find(
    ([name, v]) => v === value && name !== 'domain' && new RegExp(`export const ${name}\\b`).test(text),
  )?.[0];
}

/**
 * A product over one of a domain's sources (the first whose sample needs no other source): its
 * file, its test, and its place in the package's index.
 */
export function productScaffold(
  target: DomainModule,
  id: string,
): { files: Record<string, string>; index: string } {
  const [domainName, name, ...rest] = id.split('.');
  const domain = target.module.domain as { name: string } | undefined;
  if (!domainName || !name || rest.length || !/^[a-z][a-z0-9_]*$/.test(name))
    throw new UsageError('bad-arguments', `Name the product as <domain>.<product> in snake_case, not ${id}.`);
  if (!name.startsWith(`${domainName}_`))
    throw new UsageError(
      'bad-arguments',
      `A product of ${domainName} is named ${domainName}_<entity>, not ${name}.`,
    );
  const products = (target.module.products as Array<{ name: string }> | undefined) ?? [];
  if (products.some((p) => p.name === name))
    throw new UsageError('bad-arguments', `${id} exists already.`, { product: name });
  const sources =
    (target.module.sources as Array<{ name: string; sample?: unknown; sampleAfter: string[] }>) ?? [];
  const source = sources.find((s) => s.sample && !s.sampleAfter.length);
  const domainConst = exportOf(target, domain, 'domain.ts');
  const sourceConst = source && exportOf(target, source, 'sources.ts');
  if (!domainConst || !sourceConst)
    throw new UsageError(
      'bad-arguments',
      `${domainName} has no src/domain.ts exporting its domain and src/sources.ts exporting a source with its own sample: write ${name} by hand (see README, Writing a data product).`,
    );
  const productConst = camel(name);
  const file = kebab(name);
  const files = {
    [`src/${file}.ts`]: `import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { ${domainConst} } from './domain.js';
import { ${sourceConst} } from './sources.js';

export const ${productConst} = defineDataProduct({
  domain: ${domainConst},
  name: '${name}',
  version: '1.0.0',
  description: 'How many rows ${domainName}.${source!.name} holds.',
  tier: 'bronze',
  refresh: 'daily',
  access: 'public',
  consumers: ['analytics'],
  schema: z.object({
    source_rows: z.int().describe('Rows of ${domainName}.${source!.name}'),
  }),
  inputs: { rows: ${sourceConst} },
  transform: ({ rows }) => sql\`SELECT COUNT(*) AS source_rows FROM \${rows}\`,
  checks: (c) => [c.source_rows.notNull(), c.table.rowCount({ min: 1, max: 1 })],
});
`,
    [`src/${file}.test.ts`]: `import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh, loadSample } from '@retail-mesh/sdk';
import { describe, expect, it } from 'vitest';
${byModulePath([`import { ${productConst} } from './${file}.js';`, `import { ${sourceConst} } from './sources.js';`]).join('\n')}

describe('${name}', () => {
  it('counts the rows of the source', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    try {
      const { rowCount } = await loadSample(warehouse, ${sourceConst}, { scale: 0.1, seed: 7 });
      const [outcome] = await buildMesh(warehouse, [${productConst}]);
      expect(outcome?.error).toBeUndefined();
      const rows = [];
      for await (const row of ${productConst}.read(warehouse)) rows.push(row);
      expect(rows).toEqual([{ source_rows: rowCount }]);
    } finally {
      await warehouse.close();
    }
  });
});
`,
  };
  // The index: the import and export in path order, the product last in \`products\`.
  const indexFile = join(target.folder, 'src', 'index.ts');
  let index = readFileSync(indexFile, 'utf8');
  const block = (kind: 'import' | 'export', line: string) => {
    const lines = index.split('\n');
    const at = lines
      .map((l, i) => (l.startsWith(`${kind} {`) && l.includes(' from ') ? i : -1))
      .filter((i) => i >= 0);
    const first = at[0] ?? 0;
    const last = at.at(-1) ?? -1;
    const contiguous = at.length === last - first + 1;
    if (at.length && contiguous)
      lines.splice(first, at.length, ...byModulePath([...lines.slice(first, last + 1), line]));
    else lines.splice(last + 1, 0, line);
    index = lines.join('\n');
  };
  block('import', `import { ${productConst} } from './${file}.js';`);
  block('export', `export { ${productConst} } from './${file}.js';`);
  const list = /export const products = \[([\s\S]*?)\]/.exec(index);
  if (!list)
    throw new UsageError(
      'bad-arguments',
      `${indexFile} has no export const products = [...]: add ${productConst} there by hand.`,
    );
  const items = list[1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const listed = [...items, productConst];
  const oneLine = `export const products = [${listed.join(', ')}]`;
  index = index.replace(
    list[0],
    oneLine.length <= 100
      ? oneLine
      : `export const products = [\n${listed.map((p) => `  ${p},`).join('\n')}\n]`,
  );
  return { files, index };
}

/** Writes a product scaffold into its domain package; refuses to overwrite a file. */
export function writeProductScaffold(
  target: DomainModule,
  scaffold: { files: Record<string, string>; index: string },
): string[] {
  const written: string[] = [];
  for (const [path, text] of Object.entries(scaffold.files)) {
    writeFileSync(join(target.folder, path), text, { flag: 'wx' });
    written.push(join(target.folder, path));
  }
  writeFileSync(join(target.folder, 'src', 'index.ts'), scaffold.index);
  written.push(join(target.folder, 'src', 'index.ts'));
  return written;
}
