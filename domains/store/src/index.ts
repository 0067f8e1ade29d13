import { storeDomain } from './domain.js';
import { dailyOperations, rawStaff, rawStores, receipts } from './sources.js';
import { storeDailyOperations } from './store-daily-operations.js';
import { storeLiveSales } from './store-live-sales.js';
import { storeLocations } from './store-locations.js';
import { storePerformance } from './store-performance.js';
import { storeStaff } from './store-staff.js';
import { storeStaffingSummary } from './store-staffing-summary.js';

export { storeDomain } from './domain.js';
export {
  dailyOperations,
  PAYMENT_METHODS,
  REGIONS,
  rawStaff,
  rawStores,
  receipts,
  STAFF_ROLES,
  STORE_FORMATS,
  storeCount,
} from './sources.js';
export { storeDailyOperations } from './store-daily-operations.js';
export { storeLiveSales } from './store-live-sales.js';
export { STORE_STATUSES, storeLocations } from './store-locations.js';
export { storePerformance } from './store-performance.js';
export { storeStaff } from './store-staff.js';
export { storeStaffingSummary } from './store-staffing-summary.js';

/** Everything the store domain publishes, for the platform to build. */
export const domain = storeDomain;
export const sources = [rawStores, rawStaff, dailyOperations, receipts] as const;
export const products = [
  storeLocations,
  storeStaff,
  storeDailyOperations,
  storeStaffingSummary,
  storePerformance,
  storeLiveSales,
] as const;
