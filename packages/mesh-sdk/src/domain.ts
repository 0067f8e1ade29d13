import { z } from 'zod';
import { DefinitionError } from './errors.js';
import { formatIssues } from './issues.js';

export const ownerSchema = z.object({
  team: z.string().min(1),
  email: z.email(),
  supportChannel: z.string().optional(),
});
export type Owner = z.infer<typeof ownerSchema>;

export const domainInputSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower snake_case'),
  description: z.string().min(1),
  owner: ownerSchema,
  documentation: z.url().optional(),
});
export type DomainInput = z.input<typeof domainInputSchema>;

/** A bounded context owned by one team: one schema (DuckDB) or dataset (BigQuery). */
export interface Domain extends z.infer<typeof domainInputSchema> {
  readonly kind: 'domain';
}

/**
 * Declares a domain.
 *
 * @example
 * export const productDomain = defineDomain({
 *   name: 'product',
 *   description: 'What we sell: catalog, stock and prices.',
 *   owner: { team: 'product-data', email: 'product-data@retail.example' },
 * });
 */
export function defineDomain(input: DomainInput): Domain {
  const parsed = domainInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new DefinitionError(
      'invalid-domain',
      `Domain ${String(input?.name)} is invalid: ${formatIssues(parsed.error)}`,
      { domain: String(input?.name) },
    );
  }
  return Object.freeze({ kind: 'domain' as const, ...parsed.data });
}
