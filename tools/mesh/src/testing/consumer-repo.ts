import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..', '..', '..');
const BIN = join(repo, 'tools', 'mesh', 'bin', 'mesh.js');

/**
 * A repository of a team's own at `root`: the SDK (and any `links`, package name to a folder
 * of this workspace) linked into its node_modules as a package manager links them, a domain
 * package `shelf/` whose index.js is `index`, and its `mesh.yaml`.
 */
export function shelfRepo(
  root: string,
  files: { index: string; meshYaml: string; links?: Record<string, string> },
): void {
  mkdirSync(join(root, 'node_modules', '@retail-mesh'), { recursive: true });
  const links = { '@retail-mesh/sdk': 'packages/mesh-sdk', ...files.links };
  for (const [name, folder] of Object.entries(links))
    symlinkSync(join(repo, folder), join(root, 'node_modules', name));
  mkdirSync(join(root, 'shelf'), { recursive: true });
  writeFileSync(
    join(root, 'shelf', 'package.json'),
    JSON.stringify({
      name: 'shelf-domain',
      version: '1.0.0',
      type: 'module',
      exports: { '.': './index.js' },
    }),
  );
  writeFileSync(join(root, 'shelf', 'index.js'), files.index);
  writeFileSync(join(root, 'mesh.yaml'), files.meshYaml);
}

/** The domain every `shelf/index.js` of these tests declares, as JavaScript source. */
export const SHELF_DOMAIN = `export const domain = defineDomain({
  name: 'shelf',
  description: 'Shelf planning.',
  owner: { team: 'shelf-data', email: 'shelf-data@retail.example' },
});
`;

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: the JSON report of any command
  json(): any;
}

/**
 * Runs `mesh <args>` in `cwd` without blocking this process: a server, a webhook receiver or
 * a client the test runs meanwhile can answer. What it printed so far is readable while it runs.
 */
export function spawnMesh(
  cwd: string,
  ...args: string[]
): Promise<Ran> & { child: ChildProcess; stdout(): string; stderr(): string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<Ran>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) }));
  });
  return Object.assign(done, { child, stdout: () => stdout, stderr: () => stderr });
}
