import { main } from './main.js';

// A reader that stops early (`mesh sources | head`) closes the pipe: that is no error of ours.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });

// Without Google credentials, google-auth-library asks the GCE metadata server for some, and
// gcp-metadata reports that lookup's failure as a process warning, with Node's hint to trace it,
// on stderr: noise beside the CLI's own error (warehouse-unreachable), which says what to do.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if ((type ?? (warning as Error).name) === 'MetadataLookupWarning') return;
  emitWarning(warning, ...(rest as []));
}) as typeof process.emitWarning;

process.exitCode = await main(process.argv.slice(2));
