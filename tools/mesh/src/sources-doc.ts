import type { MeshDefinition, Source } from '@retail-mesh/sdk';

const MODE_MEANING: Record<Source['mode'], string> = {
  snapshot: 'each export is the whole table: the latest batch replaces the current rows',
  upsert: 'exports carry new and changed rows: the latest row per key wins',
  append: 'immutable events: a key seen before is the same event, kept once',
};

const typeLabel = (c: Source['columns'][number]) =>
  `${c.type}${c.values ? ` (${c.values.join(' / ')})` : ''}${c.nullable ? ', optional' : ''}`;

/** Every source's columns as Markdown, for the README: what a real export must map onto. */
export function sourcesMarkdown(mesh: MeshDefinition): string {
  const lines: string[] = [];
  for (const source of mesh.sources) {
    lines.push(
      `#### \`${source.id}\` → table \`${source.table.schema}.${source.table.name}\``,
      '',
      `${source.description}${source.system ? ` (from: ${source.system})` : ''}`,
      '',
      `Key \`${source.key.join(', ')}\`; sync mode **${source.mode}**${source.cursor ? ` by cursor \`${source.cursor}\`` : ''} (${MODE_MEANING[source.mode]}); ${source.optional ? 'optional: reads as empty until loaded' : 'required: products that read it wait until it is loaded'}${source.expectedEvery ? `; an export is expected every ${source.expectedEvery} (later, what it feeds is stale)` : ''}.`,
      '',
      '| column | type | meaning |',
      '|---|---|---|',
      ...source.columns.map(
        (c) =>
          `| \`${c.name}\`${c.key ? ' (key)' : ''} | ${typeLabel(c)} | ${c.description ?? ''}${c.pii ? ' (PII)' : ''} |`,
      ),
      '',
    );
  }
  return lines.join('\n');
}

/** One JSON record per source, for `mesh sources --json`. */
export function sourcesJson(mesh: MeshDefinition) {
  return mesh.sources.map((s) => ({
    id: s.id,
    table: `${s.table.schema}.${s.table.name}`,
    description: s.description,
    system: s.system ?? null,
    key: s.key,
    mode: s.mode,
    cursor: s.cursor ?? null,
    optional: s.optional,
    expectedEvery: s.expectedEvery ?? null,
    log: `${s.log.schema}.${s.log.name}`,
    rejects: `${s.rejects.schema}.${s.rejects.name}`,
    columns: s.columns.map((c) => ({
      name: c.name,
      type: c.type,
      required: !c.nullable,
      values: c.values ?? null,
      pii: c.pii,
      key: c.key,
      description: c.description ?? null,
    })),
  }));
}
