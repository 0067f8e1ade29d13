import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..', '..');
const ATTW = join(import.meta.dirname, '..', 'node_modules', '.bin', 'attw');

/** Every package of the workspace that is published: the platform's and the domains'. */
const packages = ['packages', 'domains', 'tools'].flatMap((group) =>
  readdirSync(join(repo, group))
    .map((name) => join(repo, group, name))
    .filter((dir) => {
      try {
        return !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private;
      } catch {
        return false;
      }
    }),
);

describe('published packages', () => {
  it('finds them all', () => {
    expect(packages.length).toBeGreaterThanOrEqual(9);
  });

  // changesets ignores private packages (privatePackages.version is false) and refuses to plan a
  // release, `changeset version` included, when one changeset names both kinds ("Mixed
  // changesets that contain both ignored and not ignored packages are not allowed").
  it('are the only packages the pending changesets name', () => {
    const published = new Set(
      packages.map((dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name),
    );
    const changesets = join(repo, '.changeset');
    const named = readdirSync(changesets)
      .filter((file) => file.endsWith('.md') && file !== 'README.md')
      .flatMap((file) => {
        const front = readFileSync(join(changesets, file), 'utf8').split(/^---$/m)[1] ?? '';
        return [...front.matchAll(/^\s*['"]?([^'":\s]+)['"]?\s*:/gm)].map((m) => `${file}: ${m[1]}`);
      });
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((entry) => !published.has(entry.split(': ')[1]!))).toEqual([]);
  });

  // What a registry would hold (npm pack): exports, files and types resolve as declared.
  it.each(packages.map((dir) => [dir.slice(repo.length + 1), dir]))('%s passes publint', async (_, dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const { messages } = await publint({ pkgDir: dir, pack: 'npm', strict: true });
    expect(messages.map((m) => formatMessage(m, manifest) ?? m.code)).toEqual([]);
  });

  // What a registry shows of a package is its README; `changeset version` writes each release's
  // changes to CHANGELOG.md beside package.json, which npm packs only when `files` names it: a
  // team that upgrades has no other copy.
  it.each(packages.map((dir) => [dir.slice(repo.length + 1), dir]))(
    '%s ships its README and changelog',
    (_, dir) => {
      expect(existsSync(join(dir, 'README.md')), `${dir}/README.md`).toBe(true);
      const copy = mkdtempSync(join(tmpdir(), 'mesh-pack-'));
      try {
        for (const file of ['package.json', 'README.md'])
          writeFileSync(join(copy, file), readFileSync(join(dir, file)));
        writeFileSync(join(copy, 'CHANGELOG.md'), '# changes\n');
        const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
          cwd: copy,
          encoding: 'utf8',
        });
        expect(r.status, r.stderr).toBe(0);
        const [packed] = JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>;
        expect(packed?.files.map((f) => f.path)).toEqual(
          expect.arrayContaining(['README.md', 'CHANGELOG.md']),
        );
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    },
  );

  // Types as an ESM consumer resolves them (node16 from ESM, bundler): our packages are ESM only.
  it.each(packages.map((dir) => [dir.slice(repo.length + 1), dir]))(
    '%s passes arethetypeswrong (ESM-only profile)',
    (_, dir) => {
      const r = spawnSync(ATTW, ['--pack', dir, '--profile', 'esm-only', '--format', 'ascii'], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    },
  );
});
