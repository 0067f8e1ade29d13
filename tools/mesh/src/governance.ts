import {
  checkMesh,
  DefinitionError,
  describeSubject,
  type Finding,
  type MeshDefinition,
} from '@retail-mesh/sdk';
import type { Io } from './context.js';
import { color } from './style.js';

export function formatFinding(f: Finding): string {
  const level = f.severity === 'error' ? color.red('error') : color.yellow('warning');
  return `${level} ${f.code} (${describeSubject(f.subject)}): ${f.message}`;
}

/**
 * Applies the governance policies before anything touches the warehouse: errors stop the
 * command (exit 3), warnings are printed and the command goes on.
 */
export function enforcePolicies(mesh: MeshDefinition, io: Io, json: boolean): Finding[] {
  const findings = checkMesh(mesh);
  const errors = findings.filter((f) => f.severity === 'error');
  if (!json) for (const f of findings.filter((f) => f.severity === 'warning')) io.err(formatFinding(f));
  if (errors.length) {
    throw new DefinitionError(
      'policy-violations',
      `${errors.length} governance ${errors.length === 1 ? 'policy is' : 'policies are'} broken:\n${errors.map((f) => `  ${formatFinding(f)}`).join('\n')}`,
      errors[0]!.subject,
    );
  }
  return findings;
}
