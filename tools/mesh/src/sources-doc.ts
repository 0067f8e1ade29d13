import type { MeshDefinition, Source } from '@retail-mesh/sdk';

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
      '| column | type | meaning |',
      '|---|---|---|',
      ...source.columns.map(
        (c) => `| \`${c.name}\` | ${typeLabel(c)} | ${c.description ?? ''}${c.pii ? ' (PII)' : ''} |`,
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
    columns: s.columns.map((c) => ({
      name: c.name,
      type: c.type,
      required: !c.nullable,
      values: c.values ?? null,
      pii: c.pii,
      description: c.description ?? null,
    })),
  }));
}
