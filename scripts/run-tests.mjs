#!/usr/bin/env node
// Runs every package's tests through turbo, then prints one line with the totals over all
// packages, read from each package's vitest JSON report: CI reads that line, and a run
// that executed no test shows as "0 passed".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const groups = ['packages', 'domains', 'tools'];
// Every package with tests writes a report; one missing after a whole run means its tests did
// not run to the end (the process was killed, or crashed before vitest wrote it).
const hasTests = (dir) => {
  try {
    return Boolean(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts?.test);
  } catch {
    return false;
  }
};
const reports = groups.flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group))
        .filter((name) => hasTests(join(root, group, name)))
        .map((name) => join(root, group, name, 'test-results.json'))
    : [],
);
// `--filter` and the like run some packages only: then a missing report is no failure.
const whole = process.argv.length <= 2;
for (const report of reports) rmSync(report, { force: true });

// The catalog portal's browser test drives Debian's Chromium, never a downloaded browser: put
// in place here where it is missing and apt-get can (as root, or by sudo without a password),
// so that this command runs every test on a fresh machine, as CI does.
const CHROMIUM = '/usr/bin/chromium';
const onPath = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
if (!existsSync(CHROMIUM) && onPath('apt-get')) {
  const asRoot = process.getuid?.() === 0 ? [] : onPath('sudo') ? ['sudo', '-n'] : undefined;
  if (asRoot) {
    console.log(
      `${CHROMIUM} is missing: installing Debian's chromium (apt-get) for the portal's browser test`,
    );
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const apt = (args) =>
      spawnSync(
        asRoot[0] ?? 'apt-get',
        [...asRoot.slice(1), ...(asRoot.length ? ['apt-get'] : []), ...args],
        {
          stdio: 'inherit',
          env,
        },
      ).status === 0;
    if (!(apt(['update', '-qq']) && apt(['install', '-y', '-qq', 'chromium'])))
      console.error('could not install chromium: the portal browser test will say so and fail');
  }
}

// The workspace's own turbo, whether this runs under pnpm or straight from node.
const bin = join(root, 'node_modules', '.bin', 'turbo');
const turbo = spawnSync(
  existsSync(bin) ? bin : 'turbo',
  ['run', 'test', '--continue', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (turbo.error)
  console.error(`cannot run turbo: ${turbo.error.message} (install first: npx -y pnpm@10.34.9 install)`);

let passed = 0;
let failed = 0;
for (const report of reports) {
  if (!existsSync(report)) {
    if (whole) {
      console.error(`no test report: ${report} (its tests did not run to the end)`);
      failed++;
    }
    continue;
  }
  let result;
  try {
    result = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    console.error(`unreadable test report: ${report}`);
    failed++;
    continue;
  }
  passed += result.numPassedTests ?? 0;
  failed += (result.numFailedTests ?? 0) + (result.numTodoTests ?? 0) + (result.numPendingTests ?? 0);
  // A test file that fails to load reports no tests: count it as a failure.
  failed += (result.testResults ?? []).filter(
    (f) => f.status === 'failed' && f.assertionResults.length === 0,
  ).length;
}
if (turbo.status !== 0 && failed === 0) failed = 1; // turbo failed before any report (build error)

// The gates, each counted as a test: every package's types, its tests' included (typecheck);
// a breaking contract change needs a major version, a major changeset and its previous major
// kept published (mesh contract diff, against each domain package's released contracts); a
// changed package needs a changeset (changeset status, against the base branch).
const gate = (name, command, args) => {
  console.log(`\n> gate: ${name}`);
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (r.status === 0) passed++;
  else {
    console.error(`gate failed: ${name}${r.error ? ` (${r.error.message})` : ''}`);
    failed++;
  }
};
// Vitest strips types without checking them: the tests' own types (and a source file no test
// imports) are checked here, every package with tsc --noEmit.
if (whole)
  gate('typecheck', existsSync(bin) ? bin : 'turbo', ['run', 'typecheck', '--output-logs=errors-only']);
gate('mesh contract diff', process.execPath, [
  join(root, 'tools', 'mesh', 'bin', 'mesh.js'),
  'contract',
  'diff',
]);
const base = ['main', 'origin/main'].find(
  (ref) =>
    spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root }).status === 0,
);
if (base)
  gate(`changeset status --since=${base}`, join(root, 'node_modules', '.bin', 'changeset'), [
    'status',
    `--since=${base}`,
  ]);
else console.log('\n> gate: changeset status: no main or origin/main branch to compare with, not run');

console.log(`${passed} passed, ${failed} failed`);
process.exit(turbo.status === 0 && failed === 0 ? 0 : 1);
