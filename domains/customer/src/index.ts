import { customerBehavior } from './customer-behavior.js';
import { customerDailyActivity } from './customer-daily-activity.js';
import { customerPreferences } from './customer-preferences.js';
import { customerProfile } from './customer-profile.js';
import { customerSegments } from './customer-segments.js';
import { customerSessions } from './customer-sessions.js';
import { customerDomain } from './domain.js';
import { rawCustomers, rawPreferences, webSessions } from './sources.js';

export { customerBehavior } from './customer-behavior.js';
export { customerDailyActivity } from './customer-daily-activity.js';
export { customerPreferences } from './customer-preferences.js';
export { customerProfile, EMAIL_PATTERN } from './customer-profile.js';
export { customerSegments, ENGAGEMENT_RULES, ENGAGEMENT_SEGMENTS } from './customer-segments.js';
export { customerSessions } from './customer-sessions.js';
export { customerDomain } from './domain.js';
export {
  CHANNELS,
  customerCount,
  DEVICES,
  LOYALTY_TIERS,
  PRODUCT_CATEGORIES,
  rawCustomers,
  rawPreferences,
  SEGMENTS,
  sessionCount,
  webSessions,
} from './sources.js';

/** Everything the customer domain publishes, for the platform to build. */
export const domain = customerDomain;
export const sources = [rawCustomers, webSessions, rawPreferences] as const;
export const products = [
  customerProfile,
  customerSessions,
  customerBehavior,
  customerPreferences,
  customerSegments,
  customerDailyActivity,
] as const;
