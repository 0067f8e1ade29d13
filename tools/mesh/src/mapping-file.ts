import { readFileSync } from 'node:fs';
import { type IngestMapping, UsageError, z } from '@retail-mesh/sdk';
import { parse } from 'yaml';
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
  const written = parse(text, { schema: 'failsafe' }) as {
    set?: Record<string, string>;
    values?: Record<string, Record<string, string>>;
  } | null;
  // The text as written, except a null target (YAML's null, ~ or nothing), which the failsafe
  // reading sees as text (`null`, `~`, ''): it maps to no value, as '' does. Keys are read as
  // written too (`01` stays 01), so the typed reading is consulted where its key is the same.
  const nulls = new Set(['', '~', 'null', 'Null', 'NULL']);
  const values = Object.fromEntries(
    Object.entries(written?.values ?? {}).map(([column, map]) => {
      const typed: Record<string, string | null> = value.values[column] ?? {};
      return [
        column,
        Object.fromEntries(
          Object.entries(map ?? {}).map(([from, text]) => {
            const none = from in typed ? typed[from] === null : nulls.has(String(text));
            return [from, none ? '' : String(text)];
          }),
        ),
      ];
    }),
  );
  return {
    source: value.source,
    mapping: { rename: value.rename, set: written?.set ?? value.set, values },
  };
}
