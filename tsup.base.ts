import { defineConfig, type Options } from 'tsup';

/**
 * The one build configuration every package uses: ESM for Node 20, declarations, source maps.
 * A package passes only what differs (its entry points).
 *
 * @example export default meshPackage({ entry: ['src/index.ts'] });
 */
export function meshPackage(options: Pick<Options, 'entry'> & Partial<Options>) {
  return defineConfig({
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    ...options,
  });
}
