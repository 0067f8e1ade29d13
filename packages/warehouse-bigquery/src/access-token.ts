import type { BigQueryOptions } from '@google-cloud/bigquery';

/**
 * An auth client that sends a fixed OAuth access token (e.g. `gcloud auth print-access-token`,
 * or the stand-in's fake one) and never asks Google for another.
 */
export function accessTokenAuthClient(token: string): NonNullable<BigQueryOptions['authClient']> {
  const headers = () => new Headers({ authorization: `Bearer ${token}` });
  const client = {
    credentials: { access_token: token, token_type: 'Bearer' },
    getAccessToken: async () => ({ token, res: null }),
    getRequestHeaders: async () => headers(),
    getRequestMetadata: async () => ({ headers: headers() }),
    request: async () => {
      throw new Error('An access-token auth client makes no requests of its own.');
    },
    getProjectId: async () => null,
    on: () => client,
  };
  // AuthClient is a class of google-auth-library, which this package does not depend on directly; the
  // BigQuery client only calls the methods above, so a structural object stands in for it.
  return client as unknown as NonNullable<BigQueryOptions['authClient']>;
}
