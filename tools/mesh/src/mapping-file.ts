import { readFileSync } from 'node:fs';
import { type IngestMapping, UsageError, z } from '@retail-mesh/sdk';
import { isMap, isScalar, parseDocument } from 'yaml';
import { parseYamlFile } from './yaml-file.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/**
 * A mapping file a team keeps in its repo, beside the exports it describes:
 *
 * ```yaml
 * source: customer.customers      # optional: the source it is for
 * rename: { customer_id: CustNo }  # source column: file column
 * set: { country: NL }             # source column: the value of every row
 * values:                          # source column: { file value: source value }
 *   segment: { Home Office: small_business }
 *   closed_on: { N/A: '' }         # '' (or null): no value
 * ```
 */
export const mappingFileSchema = z
  .object({
    source: z.string().optional(),
    rename: z.record(z.string(), z.string()).default({}),
    set: z.record(z.string(), scalar).default({}),
    // A value mapped to nothing (`N/A: ''`, or `N/A: null` / `~`) is no value.
    values: z.record(z.string(), z.record(z.string(), z.union([scalar, z.null()]))).default({}),
  })
  .strict();

/** Reads a mapping file; an error names the file, line and key. */
export function readMappingFile(file: string): { source: string | undefined; mapping: IngestMapping } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, not a mapping file'
          : code === 'EACCES' || code === 'EPERM'
            ? 'cannot be read (permission denied)'
            : (cause as Error).message;
    throw new UsageError('bad-arguments', `--mapping ${file}: ${reason}.`, { file }, { cause });
  }
  const { value } = parseYamlFile(mappingFileSchema, text, file, 'invalid-mapping');
  // Values are data, not YAML's numbers and booleans: `0012` is the store 0012, not 12, and a
  // value-map key `01` is the text 01. Read once more as text (the failsafe schema) for them.
  const document = parseDocument(text, { schema: 'failsafe' });
  const written = document.toJS() as { set?: Record<string, string> } | null;
  // A value-map target written as YAML's null (`null`, `~` or nothing, unquoted) is no value, as
  // '' is; quoted, `'null'` is the text null (the word NULL, no value anyway).
  const values: Record<string, Record<string, string>> = {};
  const maps = document.get('values');
  if (isMap(maps))
    for (const column of maps.items) {
      const map: Record<string, string> = {};
      values[String(isScalar(column.key) ? column.key.value : column.key)] = map;
      if (!isMap(column.value)) continue;
      for (const pair of column.value.items) {
        const from = String(isScalar(pair.key) ? pair.key.value : pair.key);
        const to = pair.value;
        const none =
          to === null ||
          (isScalar(to) &&
            to.type === 'PLAIN' &&
            ['', '~', 'null', 'Null', 'NULL'].includes(String(to.value)));
        map[from] = none ? '' : String(isScalar(to) ? to.value : to);
      }
    }
  return {
    source: value.source,
    mapping: { rename: value.rename, set: written?.set ?? value.set, values },
  };
}
