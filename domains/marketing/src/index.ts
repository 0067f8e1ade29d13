import { marketingDomain } from './domain.js';
import { marketingAttribution } from './marketing-attribution.js';
import { marketingCampaignPerformance } from './marketing-campaign-performance.js';
import { marketingCampaigns } from './marketing-campaigns.js';
import { marketingCustomerEngagement } from './marketing-customer-engagement.js';
import { marketingCustomerLifetimeValue } from './marketing-customer-lifetime-value.js';
import { marketingPromotions } from './marketing-promotions.js';
import { campaigns, promotions, touchpoints } from './sources.js';

export {
  averageCltvBySegment,
  type CltvRow,
  type CustomerSegment,
  customerLifetimeValue,
  type SegmentCltv,
} from './customer-lifetime-value-lookups.js';
export { marketingDomain } from './domain.js';
export {
  ATTRIBUTION_WINDOW_DAYS,
  ATTRIBUTIONS,
  marketingAttribution,
} from './marketing-attribution.js';
export { marketingCampaignPerformance } from './marketing-campaign-performance.js';
export { CAMPAIGN_STATUSES, marketingCampaigns } from './marketing-campaigns.js';
export { ENGAGEMENT_LEVELS, marketingCustomerEngagement } from './marketing-customer-engagement.js';
export {
  CLTV_BAND_THRESHOLDS,
  CLTV_BANDS,
  CLTV_EXPECTED_YEARS,
  CLTV_MIN_ACTIVE_DAYS,
  marketingCustomerLifetimeValue,
} from './marketing-customer-lifetime-value.js';
export { marketingPromotions } from './marketing-promotions.js';
export {
  CAMPAIGN_CHANNELS,
  CAMPAIGN_OBJECTIVES,
  campaignCount,
  campaigns,
  promotions,
  TOUCHPOINT_EVENT_TYPES,
  touchpointCount,
  touchpoints,
} from './sources.js';

/** Everything the marketing domain publishes, for the platform to build. */
export const domain = marketingDomain;
export const sources = [campaigns, promotions, touchpoints] as const;
export const products = [
  marketingCampaigns,
  marketingPromotions,
  marketingCustomerEngagement,
  marketingAttribution,
  marketingCampaignPerformance,
  marketingCustomerLifetimeValue,
] as const;
