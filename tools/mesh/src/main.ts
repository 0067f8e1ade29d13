import { parseArgs } from 'node:util';
import { describeSubject, isMeshError, type MeshError, UsageError } from '@retail-mesh/sdk';
import { type GlobalOptions, processIo } from './context.js';
import { fileSystemError, isFileSystemError } from './files.js';
import { COMMAND_HELP, MAIN_HELP } from './help.js';
import { color } from './style.js';

/** A command: its flags and a lazily loaded implementation returning an exit code. */
interface CommandSpec {
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  /** Takes names (domains, products, sources) after the command; others refuse them. */
  names?: boolean;
  load: () => Promise<{
    run(values: Record<string, unknown>, names: string[], io: ReturnType<typeof processIo>): Promise<number>;
  }>;
}

const GLOBAL_OPTIONS = {
  target: { type: 'string', short: 't' },
  config: { type: 'string' },
  db: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const SEED_OPTIONS = {
  scale: { type: 'string' },
  seed: { type: 'string' },
  sample: { type: 'string', multiple: true },
} as const;

const COMMANDS: Record<string, CommandSpec> = {
  up: { options: { ...SEED_OPTIONS, reseed: { type: 'boolean' } }, load: () => import('./commands/up.js') },
  seed: { names: true, options: SEED_OPTIONS, load: () => import('./commands/seed.js') },
  build: {
    names: true,
    options: { 'dry-run': { type: 'boolean' }, 'full-refresh': { type: 'boolean' } },
    load: () => import('./commands/build.js'),
  },
  test: { names: true, options: {}, load: () => import('./commands/test.js') },
  health: { options: {}, load: () => import('./commands/health.js') },
  cost: { options: { days: { type: 'string' } }, load: () => import('./commands/cost.js') },
  ingest: {
    names: true,
    options: {
      from: { type: 'string' },
      map: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
      mapping: { type: 'string' },
      'max-rejects': { type: 'string' },
      format: { type: 'string' },
      list: { type: 'boolean' },
      revert: { type: 'string' },
      rejects: { type: 'string' },
      limit: { type: 'string' },
    },
    load: () => import('./commands/ingest.js'),
  },
  sources: {
    names: true,
    options: { markdown: { type: 'boolean' } },
    load: () => import('./commands/sources.js'),
  },
  lineage: {
    options: { mermaid: { type: 'boolean' }, out: { type: 'string' } },
    load: () => import('./commands/lineage.js'),
  },
  plan: { options: { terraform: { type: 'string' } }, load: () => import('./commands/plan.js') },
  doctor: { options: { 'dry-run': { type: 'boolean' } }, load: () => import('./commands/doctor.js') },
};

/** Exit code of an error: the CLI's one mapping from error kinds to codes. */
export function exitCodeOf(error: MeshError): number {
  switch (error.kind) {
    case 'usage':
      return 2;
    case 'definition':
      return 3;
    case 'warehouse':
      return 4;
    default:
      return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${MAIN_HELP}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    const pkg = await import('../package.json', { with: { type: 'json' } });
    process.stdout.write(`${pkg.default.version}\n`);
    return 0;
  }
  const spec = COMMANDS[name];
  let json = rest.includes('--json');
  try {
    if (!spec) {
      throw new UsageError(
        'unknown-command',
        `Unknown command ${name}. Commands: ${Object.keys(COMMANDS).join(', ')}.`,
      );
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...GLOBAL_OPTIONS, ...spec.options },
        allowPositionals: true,
        strict: true,
      });
    } catch (cause) {
      throw new UsageError('bad-arguments', `${(cause as Error).message}. See mesh ${name} --help.`);
    }
    const values = parsed.values as Record<string, unknown> & GlobalOptions & { help?: boolean };
    json = values.json === true;
    if (values.help) {
      process.stdout.write(`${COMMAND_HELP[name]}\n`);
      return 0;
    }
    if (!spec.names && parsed.positionals.length) {
      throw new UsageError(
        'bad-arguments',
        `mesh ${name} takes no names: ${parsed.positionals.join(' ')} is not understood. See mesh ${name} --help.`,
      );
    }
    const command = await spec.load();
    return await command.run(values, parsed.positionals, processIo(values));
  } catch (error) {
    return report(error, json);
  }
}

/** The one top-level error handler: prints what went wrong and what it was about. */
function report(error: unknown, json: boolean): number {
  // A file the user named that cannot be read or written: a usage error naming it, not a crash.
  if (!isMeshError(error) && isFileSystemError(error)) error = fileSystemError(error);
  if (isMeshError(error)) {
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ error: { code: error.code, message: error.message, subject: error.subject } }, null, 2)}\n`,
      );
    } else {
      const about = describeSubject(error.subject);
      process.stderr.write(
        `${color.red('error')} ${error.code}${about ? ` (${about})` : ''}: ${error.message}\n`,
      );
    }
    return exitCodeOf(error);
  }
  process.stderr.write(`${color.red('unexpected error')}: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}
