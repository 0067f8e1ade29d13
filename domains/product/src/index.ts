import { productDomain } from './domain.js';
import { productCatalog } from './product-catalog.js';
import { productCategorySummary } from './product-category-summary.js';
import { productInventory } from './product-inventory.js';
import { productPricing } from './product-pricing.js';
import { rawProducts, stockLevels } from './sources.js';

export { productDomain } from './domain.js';
export { productCatalog } from './product-catalog.js';
export { productCategorySummary } from './product-category-summary.js';
export { productInventory, STOCK_STATUSES } from './product-inventory.js';
export { PRICE_BANDS, productPricing } from './product-pricing.js';
export { PRODUCT_CATEGORIES, productCount, rawProducts, stockLevels } from './sources.js';

/** Everything the product domain publishes, for the platform to build. */
export const domain = productDomain;
export const sources = [rawProducts, stockLevels] as const;
export const products = [productCatalog, productInventory, productPricing, productCategorySummary] as const;
