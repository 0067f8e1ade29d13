import type { z } from 'zod';

/** zod issues as one line: `name: lower snake_case; version: ...`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
}
