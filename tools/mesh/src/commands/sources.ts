import { suggestion, UsageError } from '@retail-mesh/sdk';
import type { GlobalOptions, Io } from '../context.js';
import { loadMesh } from '../mesh.js';
import { sourcesJson, sourcesMarkdown } from '../sources-doc.js';
import { table } from '../style.js';

export async function run(
  values: GlobalOptions & { markdown?: boolean },
  names: string[],
  io: Io,
): Promise<number> {
  if (values.json && values.markdown)
    throw new UsageError('bad-arguments', 'Choose one of --json and --markdown.');
  const all = await loadMesh(values);
  for (const name of names) {
    if (!all.sources.some((s) => s.domain.name === name || s.id === name)) {
      throw new UsageError(
        'unknown-source',
        `No domain or source is named ${name}. ${suggestion(name, [...new Set(all.sources.map((s) => s.domain.name))].concat(all.sources.map((s) => s.id)), 'Sources')}`,
        { source: name },
      );
    }
  }
  const mesh = names.length
    ? { ...all, sources: all.sources.filter((s) => names.includes(s.domain.name) || names.includes(s.id)) }
    : all;
  if (values.json) io.out(JSON.stringify(sourcesJson(mesh), null, 2));
  else if (values.markdown) io.out(sourcesMarkdown(mesh));
  else {
    for (const s of sourcesJson(mesh)) {
      io.out(`${s.id} (${s.table}): ${s.description}`);
      io.out(
        `  key (${s.key.join(', ')}) · ${s.mode}${s.cursor ? ` by ${s.cursor}` : ''} · ${s.optional ? 'optional' : 'required'}${s.expectedEvery ? ` · expected every ${s.expectedEvery}` : ''}`,
      );
      io.out(
        table(
          ['COLUMN', 'TYPE', 'REQUIRED', 'MEANING'],
          s.columns.map((c) => [
            c.key ? `${c.name} (key)` : c.name,
            c.values ? `${c.type}: ${c.values.join('|')}` : c.type,
            c.required ? 'yes' : 'no',
            c.description ?? '',
          ]),
        ),
      );
      io.out('');
    }
  }
  return 0;
}
