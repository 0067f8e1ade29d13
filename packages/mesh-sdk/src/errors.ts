/** What an error or a finding is about: as much of it as is known. */
export interface Subject {
  domain?: string;
  product?: string;
  source?: string;
  column?: string;
  check?: string;
  file?: string;
  line?: number | undefined;
  /** A configuration key, dotted: `targets.prod.project`. */
  key?: string;
  /** A target of `mesh.yaml`, by name. */
  target?: string;
  /** A batch of a source's log, by id. */
  batch?: number;
  /** A command of the `mesh` CLI, by name: `build`. */
  command?: string;
  /** A command-line option, as written: `--scale`, `-x`. */
  option?: string;
}

// A brand, not `instanceof`: two installed copies of the SDK must still recognise each other's errors.
const BRAND = Symbol.for('retail-mesh.error');

/**
 * The base of every error the mesh throws on purpose: a stable kebab-case `code`,
 * the `subject` it is about, and the `cause` when it wraps another error.
 *
 * @example
 * throw new DefinitionError('unknown-column', 'clusterBy names no column of the schema', { product: 'product_inventory', column: 'x' });
 */
export class MeshError extends Error {
  readonly [BRAND] = true;
  readonly kind: 'definition' | 'warehouse' | 'build' | 'usage' = 'usage';
  constructor(
    readonly code: string,
    message: string,
    readonly subject: Subject = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A definition (domain, source, product, check) is malformed. Fix the definition. */
export class DefinitionError extends MeshError {
  override readonly kind = 'definition' as const;
}

/** The warehouse refused or failed a statement; `cause` is the driver's error. */
export class WarehouseError extends MeshError {
  override readonly kind = 'warehouse' as const;
}

/** A build could not publish a product (failed checks, a failed input, a transform that does not match its schema). */
export class BuildError extends MeshError {
  override readonly kind = 'build' as const;
}

/** The user asked for something that cannot be done as asked (unknown product, bad flag). */
export class UsageError extends MeshError {
  override readonly kind = 'usage' as const;
}

export function isMeshError(error: unknown): error is MeshError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

/** `product_inventory.stock_status` style label of a subject, for messages. */
export function describeSubject(subject: Subject): string {
  const parts: string[] = [];
  const owner = subject.product ?? subject.source;
  if (owner) parts.push(subject.domain ? `${subject.domain}.${owner}` : owner);
  else if (subject.domain) parts.push(subject.domain);
  if (subject.column) parts.push(parts.length ? `column ${subject.column}` : subject.column);
  if (subject.check) parts.push(`check ${subject.check}`);
  if (subject.file) parts.push(subject.line ? `${subject.file}:${subject.line}` : subject.file);
  if (subject.key) parts.push(`key ${subject.key}`);
  return parts.join(', ');
}
