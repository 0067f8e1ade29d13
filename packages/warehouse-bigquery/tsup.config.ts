import { meshPackage } from '../../tsup.base.ts';

// `testing` (the ZetaSQL analyzer and the REST stand-in) is for tests of this and of domain packages.
export default meshPackage({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  external: ['@fivetrandevelopers/zetasql', 'vitest'],
});
