export { buildProducts } from './commands/build.js';
export { collectHealth } from './commands/health.js';
export { type SeedOptions, seedMesh } from './commands/seed.js';
export { type DropZoneOptions, type DropZones, startDropZones } from './drop-zone.js';
export { main } from './main.js';
export { type DomainPackage, loadMesh, meshOf, selectProducts } from './mesh.js';
