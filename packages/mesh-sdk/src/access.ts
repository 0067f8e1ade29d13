import type { AccessModel } from './data-product.js';

/** Who stands behind the access models, in IAM member syntax; from the mesh configuration. */
export interface AccessPolicy {
  /** Google Workspace (or Cloud Identity) domain whose members read public products. */
  readonly organizationDomain?: string | undefined;
  /** Group email per consumer name (a domain or team named in a product's `consumers`). */
  readonly consumerGroups?: Readonly<Record<string, string>>;
}

/** The members that own a domain's data: its owner team's group. */
export function ownersOf(owner: { email: string }): string[] {
  return [`group:${owner.email}`];
}

/**
 * The members that may read a product besides its owners, by its access model:
 * public: the whole organisation (and its consumers' groups); restricted: only the groups
 * of the consumers it names; confidential: nobody but the owners.
 *
 * @example
 * readersOf({ access: 'restricted', consumers: ['store'] }, { consumerGroups: { store: 'store@x.example' } })
 * // ['group:store@x.example']
 */
export function readersOf(
  product: { readonly access: AccessModel; readonly consumers: readonly string[] },
  policy: AccessPolicy,
): string[] {
  if (product.access === 'confidential') return [];
  const groups = product.consumers
    .map((consumer) => policy.consumerGroups?.[consumer] ?? policy.consumerGroups?.[consumer.split('.')[0]!])
    .filter((g): g is string => !!g)
    .map((g) => `group:${g}`);
  const members =
    product.access === 'public' && policy.organizationDomain
      ? [`domain:${policy.organizationDomain}`, ...groups]
      : groups;
  return [...new Set(members)].sort();
}
