import { DefinitionError, formatIssues, type z } from '@retail-mesh/sdk';
import { type Document, isMap, isNode, LineCounter, parseDocument } from 'yaml';

/**
 * Parses a YAML file against a schema. An error names the file, the line and the key
 * (`mesh.yaml:6: targets.prod.project: a Google Cloud project id`), with the given code.
 */
export function parseYamlFile<S extends z.ZodType>(
  schema: S,
  text: string,
  file: string,
  code: string,
): { value: z.output<S>; doc: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [syntax] = doc.errors;
  if (syntax) {
    const line = lineCounter.linePos(syntax.pos[0]).line;
    throw new DefinitionError(code, `${file}${line ? `:${line}` : ''}: ${syntax.message.split('\n')[0]}`, {
      file,
      line,
    });
  }
  const parsed = schema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // Unknown keys are reported on their parent; point at the key itself.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    const line = lineOf(doc, path as Array<string | number>, lineCounter);
    const key = path.join('.');
    const node = path.length ? doc.getIn(path as Array<string | number>, true) : doc.contents;
    const value = isNode(node) ? node.toJS(doc) : node;
    throw new DefinitionError(
      code,
      `${file}${line ? `:${line}` : ''}: ${key ? `${key}: ` : ''}${describeIssue(issue, value)}${parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more: ${formatIssues(parsed.error)})` : ''}`,
      { file, line, key },
    );
  }
  return { value: parsed.data, doc, lineCounter };
}

/** The line of the deepest node of `path` that exists: the key itself, or the nearest parent. */
export function lineOf(doc: Document, path: Array<string | number>, counter: LineCounter) {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    const parent = prefix.length > 1 ? doc.getIn(prefix.slice(0, -1), true) : doc.contents;
    const last = prefix.at(-1);
    if (last !== undefined && isMap(parent)) {
      const pair = parent.items.find((p) => (p.key as { value?: unknown })?.value === last);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return counter.linePos(range[0]).line;
    }
    const node = doc.getIn(prefix, true) as { range?: [number, number, number] } | undefined;
    if (node?.range && prefix.length) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

const YAML_TYPES: Record<string, string> = {
  record: 'a mapping',
  object: 'a mapping',
  array: 'a list',
  string: 'text',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

/** A schema issue in the words of YAML (mapping, list, text), with the value found. */
export function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_key') {
    return `${String(issue.path.at(-1))} is not a valid name: ${issue.issues[0]?.message ?? issue.message}`;
  }
  if (issue.code === 'invalid_type') {
    const expected = YAML_TYPES[issue.expected] ?? issue.expected;
    if (value === undefined || value === null) return `missing: give ${expected}`;
    return `expected ${expected}, not ${found(value)}`;
  }
  const scalar = value === null || ['string', 'number', 'boolean'].includes(typeof value);
  return scalar && issue.code !== 'unrecognized_keys'
    ? `${issue.message}, not ${found(value)}`
    : issue.message;
}

function found(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  return JSON.stringify(value);
}
