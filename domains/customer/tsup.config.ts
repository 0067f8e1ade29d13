import { meshPackage } from '../../tsup.base.ts';

export default meshPackage({ entry: ['src/index.ts'] });
