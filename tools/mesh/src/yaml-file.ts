import { DefinitionError, formatIssues, type z } from '@retail-mesh/sdk';
import { type Document, isMap, LineCounter, parseDocument } from 'yaml';

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
    throw new DefinitionError(
      code,
      `${file}${line ? `:${line}` : ''}: ${key ? `${key}: ` : ''}${issue.message}${parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more: ${formatIssues(parsed.error)})` : ''}`,
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
