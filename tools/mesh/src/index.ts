export { buildProducts } from './commands/build.js';
export { collectHealth } from './commands/health.js';
export { type SeedOptions, seedMesh } from './commands/seed.js';
export { main } from './main.js';
export { DOMAIN_PACKAGES, type DomainPackage, loadMesh, selectProducts } from './mesh.js';
