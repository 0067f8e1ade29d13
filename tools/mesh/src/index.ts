export { buildProducts } from './commands/build.js';
export { collectHealth } from './commands/health.js';
export { type SeedOptions, seedMesh } from './commands/seed.js';
export { main } from './main.js';
export { type DomainPackage, loadMesh, meshOf, selectProducts } from './mesh.js';
