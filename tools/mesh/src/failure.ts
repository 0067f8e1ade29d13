import type { BuildOutcome, MeshError, MeshHealth, Subject, TestOutcome } from '@retail-mesh/sdk';

/**
 * The top-level `error` of a command's JSON report when it exits non-zero without throwing
 * (a product failed, a file was refused): the same `{ code, message, subject }` the error
 * handler prints, beside the per-item results, so a script reads one field whatever failed.
 */
export interface ErrorJson {
  readonly code: string;
  readonly message: string;
  readonly subject: Subject;
}

export const errorJson = (error: Pick<MeshError, 'code' | 'message' | 'subject'>): ErrorJson => ({
  code: error.code,
  message: error.message,
  subject: error.subject,
});

/** `{ error }` to spread into a report, or nothing when there is none. */
export const withError = (error: ErrorJson | undefined) => (error ? { error } : {});

/** The build's first failure: a failed product before the ones it skipped, then those waiting. */
export function buildFailure(outcomes: readonly BuildOutcome[]): ErrorJson | undefined {
  for (const status of ['failed', 'skipped', 'waiting'] as const) {
    const outcome = outcomes.find((o) => o.status === status && o.error);
    if (outcome) return errorJson(outcome.error!);
  }
  // Published, but what follows the publish (a grant) failed: consumers may not read it.
  const incomplete = outcomes.find((o) => o.warnings?.length);
  if (incomplete)
    return {
      code: 'publish-incomplete',
      message: `${incomplete.product.id} was published, but ${incomplete.warnings!.join('; ')}`,
      subject: { domain: incomplete.product.domain.name, product: incomplete.product.name },
    };
  return undefined;
}

export function testFailure(outcomes: readonly TestOutcome[]): ErrorJson | undefined {
  const failed = outcomes.find((o) => o.status === 'test-failed' && o.error);
  return failed ? errorJson(failed.error!) : undefined;
}

/** Why `mesh health` exits 1: the products in error or past their SLA. */
export function healthFailure(health: MeshHealth): ErrorJson | undefined {
  const bad = health.domains
    .flatMap((d) => d.products)
    .filter((p) => p.status === 'error' || p.status === 'stale');
  if (!bad.length) return undefined;
  const [first] = bad;
  return {
    code: 'mesh-unhealthy',
    message: `${bad.length} product${bad.length === 1 ? ' is' : 's are'} in error or stale: ${bad.map((p) => `${p.id} (${p.status}${p.reasons.length ? `: ${p.reasons.join('; ')}` : ''})`).join(', ')}.`,
    subject: { domain: first!.domain, product: first!.name },
  };
}
