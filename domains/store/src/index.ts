import { storeDomain } from './domain.js';
import { dailyOperations, rawStaff, rawStores } from './sources.js';
import { storeDailyOperations } from './store-daily-operations.js';
import { storeLocations } from './store-locations.js';
import { storePerformance } from './store-performance.js';
import { storeStaff } from './store-staff.js';
import { storeStaffingSummary } from './store-staffing-summary.js';

export { storeDomain } from './domain.js';
export {
  dailyOperations,
  REGIONS,
  rawStaff,
  rawStores,
  STAFF_ROLES,
  STORE_FORMATS,
  storeCount,
} from './sources.js';
export { storeDailyOperations } from './store-daily-operations.js';
export { STORE_STATUSES, storeLocations } from './store-locations.js';
export { storePerformance } from './store-performance.js';
export { storeStaff } from './store-staff.js';
export { storeStaffingSummary } from './store-staffing-summary.js';

/** Everything the store domain publishes, for the platform to build. */
export const domain = storeDomain;
export const sources = [rawStores, rawStaff, dailyOperations] as const;
export const products = [
  storeLocations,
  storeStaff,
  storeDailyOperations,
  storeStaffingSummary,
  storePerformance,
] as const;
