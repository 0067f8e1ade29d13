import { parseArgs } from 'node:util';
import {
  BuildError,
  closest,
  describeSubject,
  isMeshError,
  type MeshError,
  suggestion,
  UsageError,
} from '@retail-mesh/sdk';
import { commandContext, type GlobalOptions, type Io, processIo, runningCommand } from './context.js';
import { fileSystemError, isFileSystemError } from './files.js';
import { COMMAND_HELP, MAIN_HELP } from './help.js';
import { runningServer, throughServer } from './serve-client.js';
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
    options: {
      'dry-run': { type: 'boolean' },
      'full-refresh': { type: 'boolean' },
      concurrency: { type: 'string' },
    },
    load: () => import('./commands/build.js'),
  },
  test: { names: true, options: {}, load: () => import('./commands/test.js') },
  health: {
    options: { history: { type: 'string' }, since: { type: 'string' } },
    load: () => import('./commands/health.js'),
  },
  cost: { options: { days: { type: 'string' } }, load: () => import('./commands/cost.js') },
  ingest: {
    names: true,
    options: {
      from: { type: 'string' },
      map: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
      mapping: { type: 'string' },
      'max-rejects': { type: 'string' },
      'allow-older': { type: 'boolean' },
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
  contract: {
    names: true,
    options: { out: { type: 'string' }, against: { type: 'string' } },
    load: () => import('./commands/contract.js'),
  },
  doctor: { options: { 'dry-run': { type: 'boolean' } }, load: () => import('./commands/doctor.js') },
  new: { names: true, options: {}, load: () => import('./commands/new.js') },
  catalog: { options: { out: { type: 'string' } }, load: () => import('./commands/catalog.js') },
  schedule: { names: true, options: {}, load: () => import('./commands/schedule.js') },
  runs: {
    options: { product: { type: 'string' }, since: { type: 'string' } },
    load: () => import('./commands/runs.js'),
  },
  serve: {
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      once: { type: 'boolean' },
      'no-scheduler': { type: 'boolean' },
    },
    load: () => import('./commands/serve.js'),
  },
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

/** Commands that open the warehouse: with `mesh serve` running on it, they go through the server. */
const THROUGH_SERVER = new Set([
  'up',
  'seed',
  'build',
  'test',
  'health',
  'cost',
  'ingest',
  'doctor',
  'catalog',
  'schedule',
  'runs',
]);

/**
 * Runs `mesh <argv>`. `io` (inside `mesh serve`) captures what it prints; without it, a command
 * that opens the warehouse goes through a `mesh serve` running on that warehouse, if any.
 */
export async function main(argv: string[], io?: Io): Promise<number> {
  const [name, ...rest] = commandFirst(argv);
  if (!name && argv.includes('--json')) {
    // A machine asked: an error it can read, not the help meant for a person.
    return report(
      new UsageError(
        'bad-arguments',
        'mesh needs a command: mesh <command> [options] (mesh --help lists them).',
        {},
      ),
      true,
      io,
    );
  }
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
        `Unknown command ${name}. ${suggestion(name, Object.keys(COMMANDS), 'Commands')}`,
        { command: name },
      );
    }
    const parsed = parseCommandLine(name, rest, { ...GLOBAL_OPTIONS, ...spec.options });
    const values = parsed.values as Record<string, unknown> & GlobalOptions & { help?: boolean };
    json = values.json === true;
    if (values.help) {
      // Under --json, one JSON document as every command prints, the text in it.
      process.stdout.write(
        json
          ? `${JSON.stringify({ command: name, help: COMMAND_HELP[name] }, null, 2)}\n`
          : `${COMMAND_HELP[name]}\n`,
      );
      return 0;
    }
    if (!spec.names && parsed.positionals.length) {
      throw new UsageError(
        'bad-arguments',
        `mesh ${name} takes no names: ${parsed.positionals.join(' ')} is not understood. See mesh ${name} --help.`,
        { command: name },
      );
    }
    if (!io && THROUGH_SERVER.has(name) && process.env.MESH_NO_SERVER !== '1') {
      const server = runningServer(commandContext(values));
      const code = server ? await throughServer(server, name, rest, values) : undefined;
      if (code !== undefined) return code;
    }
    const command = await spec.load();
    // `mesh serve` stops on a signal its own way; any other command run here says it was
    // stopped, under --json too, rather than vanish without a word.
    const unwatch = io || name === 'serve' ? undefined : reportSignals(name, json);
    try {
      return await runningCommand.run(name, () =>
        command.run(values, parsed.positionals, io ?? processIo(values)),
      );
    } finally {
      unwatch?.();
    }
  } catch (error) {
    return report(spec ? aboutCommandLine(error, name) : error, json, io);
  }
}

/**
 * A command-line error that names nothing as its subject, given the command and the option its
 * message is about (`--scale must be a positive number`): what `subject` promises for a bad
 * command line.
 */
function aboutCommandLine(error: unknown, command: string): unknown {
  if (!isMeshError(error) || error.kind !== 'usage' || Object.keys(error.subject).length) return error;
  // The first flag it names, not the --help it points to.
  const option = [...error.message.matchAll(/(?<![\w-])--[a-z][\w-]*/g)]
    .map((m) => m[0])
    .find((f) => f !== '--help');
  return new UsageError(error.code, error.message, { command, ...(option && { option }) }, { cause: error });
}

type OptionSpecs = NonNullable<CommandSpec['options']>;

/**
 * The command line with the command first: options every command takes may come before it
 * (`mesh --json health`, `mesh --db x health`) and are moved after it, where its parser reads
 * them; `mesh help build` and `mesh --help build` are `mesh build --help`.
 */
function commandFirst(argv: readonly string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    const flag = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : undefined;
    const spec = flag
      ? GLOBAL_OPTIONS[flag as keyof typeof GLOBAL_OPTIONS]
      : Object.values(GLOBAL_OPTIONS).find((o) => 'short' in o && `-${o.short}` === arg);
    if (!spec || spec === GLOBAL_OPTIONS.help) break;
    leading.push(arg);
    // A value in the next argument, unless written --db=x.
    if (spec.type === 'string' && !arg.includes('=') && i + 1 < argv.length) leading.push(argv[++i]!);
  }
  const [name, ...rest] = argv.slice(i);
  if ((name === 'help' || name === '--help' || name === '-h') && rest[0] && !rest[0].startsWith('-'))
    return [rest[0], '--help', ...rest.slice(1), ...leading];
  return name === undefined ? [] : [name, ...rest, ...leading];
}

/**
 * Parses a command's arguments; every mistake is a `bad-arguments` error that names the flag
 * and says what to write instead.
 */
function parseCommandLine(command: string, args: readonly string[], options: OptionSpecs) {
  // `--scale -1` means the value -1: joined, so the flag's own check can say why -1 is wrong.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const spec = arg.startsWith('--') ? options[arg.slice(2)] : undefined;
    if (spec?.type === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  let parsed: ReturnType<typeof parseArgs<{ options: OptionSpecs; tokens: true; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: joined, options, allowPositionals: true, strict: true, tokens: true });
  } catch (cause) {
    // The option Node's parser names (`--fast`, `-x`): by its long name where it has one
    // (`'-t, --target <value>'`), as the message does.
    const said = (cause as Error).message;
    const flag = /'(-[^' ,=]+)/.exec(said)?.[1];
    const option = flag?.startsWith('--') ? flag : (/--[\w-]+/.exec(said)?.[0] ?? flag);
    throw new UsageError(
      'bad-arguments',
      argumentMessage(command, cause as Error, options),
      { command, ...(option ? { option } : {}) },
      { cause },
    );
  }
  // A flag given twice with different values: which one was meant is anybody's guess.
  const seen = new Map<string, string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || options[token.name]?.multiple || token.value === undefined) continue;
    const before = seen.get(token.name);
    if (before !== undefined && before !== token.value) {
      throw new UsageError(
        'bad-arguments',
        `--${token.name} is given twice (${before} and ${token.value}): give it once. See mesh ${command} --help.`,
        { command, option: `--${token.name}` },
      );
    }
    seen.set(token.name, token.value);
  }
  // An empty value (`--db=`, or `--db "$DIR"` with DIR unset) is no value: a default in its place
  // would read or write another warehouse, file or target than the one meant.
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || token.value === undefined || token.value.trim()) continue;
    throw new UsageError(
      'bad-arguments',
      `--${token.name} needs a value, and was given empty text: --${token.name} <value>. See mesh ${command} --help.`,
      { command, option: `--${token.name}` },
    );
  }
  return parsed;
}

/** Node's parser messages, rewritten to name the flag and what to write. */
function argumentMessage(command: string, error: Error, options: OptionSpecs): string {
  const code = (error as NodeJS.ErrnoException).code;
  const flag = /'(-[^' ,]+)/.exec(error.message)?.[1];
  const long = flag?.startsWith('--') ? flag : /--[\w-]+/.exec(error.message)?.[0];
  const help = `See mesh ${command} --help.`;
  const names = Object.keys(options).filter((o) => !(o in GLOBAL_OPTIONS));
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
    const guess = closest(flag.replace(/^-+/, ''), Object.keys(options));
    return `mesh ${command} has no option ${flag}${guess ? ` (did you mean --${guess}?)` : ''}. ${names.length ? `Its options: ${names.map((o) => `--${o}`).join(', ')}; every` : 'Every'} command takes --target, --config, --db, --json and --help. ${help}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && long) {
    if (/does not take an argument/.test(error.message))
      return `${long} is a switch and takes no value: write ${long} alone. ${help}`;
    if (/argument missing/.test(error.message)) return `${long} needs a value: ${long} <value>. ${help}`;
    if (/ambiguous/.test(error.message))
      return `${long} needs a value, but an option follows it; a value that starts with '-' is written ${long}=<value>. ${help}`;
  }
  return `${error.message.split('\n')[0]!.replace(/\.$/, '')}. ${help}`;
}

/**
 * On SIGINT or SIGTERM, reports the command as stopped (`interrupted`: on stderr, or as the JSON
 * error object under --json) and exits 128 + the signal's number (130, 143), as shells do. What
 * the command committed stays: DuckDB rolls back what was under way (a product being published,
 * a batch being loaded) when the file is next opened. Returns the function that stops watching.
 */
function reportSignals(command: string, json: boolean): () => void {
  const stop = (signal: NodeJS.Signals, code: number) => () => {
    report(
      new BuildError(
        'interrupted',
        `mesh ${command} was stopped by ${signal}: what it had finished stays (each product is published whole or not at all, each batch loaded whole or not at all); what was under way was rolled back. Run it again to finish.`,
        { command },
      ),
      json,
    );
    process.exit(code);
  };
  const onInt = stop('SIGINT', 130);
  const onTerm = stop('SIGTERM', 143);
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}

/** The one top-level error handler: prints what went wrong and what it was about. */
function report(error: unknown, json: boolean, io?: Io): number {
  const out = io ? io.out : (text: string) => process.stdout.write(`${text}\n`);
  const err = io ? io.err : (text: string) => process.stderr.write(`${text}\n`);
  // A file the user named that cannot be read or written: a usage error naming it, not a crash.
  if (!isMeshError(error) && isFileSystemError(error)) error = fileSystemError(error);
  if (isMeshError(error)) {
    if (json) {
      out(
        JSON.stringify(
          { error: { code: error.code, message: error.message, subject: error.subject } },
          null,
          2,
        ),
      );
    } else {
      const about = describeSubject(error.subject);
      err(`${color.red('error')} ${error.code}${about ? ` (${about})` : ''}: ${error.message}`);
    }
    return exitCodeOf(error);
  }
  err(`${color.red('unexpected error')}: ${(error as Error)?.stack ?? String(error)}`);
  return 1;
}
