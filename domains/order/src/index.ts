import { orderDomain } from './domain.js';
import { orderCustomerSummary } from './order-customer-summary.js';
import { orderDailySales } from './order-daily-sales.js';
import { orderFulfillment } from './order-fulfillment.js';
import { orderItems } from './order-items.js';
import { orderLiveOrders } from './order-live-orders.js';
import { orderProductDailySales } from './order-product-daily-sales.js';
import { orderReturns } from './order-returns.js';
import { orderTransactions } from './order-transactions.js';
import { orderLines, orders, returns, shipments } from './sources.js';

export { orderDomain } from './domain.js';
export { orderCustomerSummary } from './order-customer-summary.js';
export { orderDailySales } from './order-daily-sales.js';
export { FULFILLMENT_STATUSES, orderFulfillment } from './order-fulfillment.js';
export { orderItems } from './order-items.js';
export { orderLiveOrders } from './order-live-orders.js';
export { orderProductDailySales } from './order-product-daily-sales.js';
export { orderReturns } from './order-returns.js';
export { ORDER_STATUSES, orderTransactions } from './order-transactions.js';
export {
  CARRIERS,
  CHANNELS,
  orderCount,
  orderLines,
  orders,
  RAW_ORDER_STATUSES,
  RETURN_REASONS,
  returns,
  shipments,
} from './sources.js';

/** Everything the order domain publishes, for the platform to build. */
export const domain = orderDomain;
export const sources = [orders, orderLines, shipments, returns] as const;
export const products = [
  orderTransactions,
  orderItems,
  orderDailySales,
  orderFulfillment,
  orderReturns,
  orderProductDailySales,
  orderCustomerSummary,
  orderLiveOrders,
] as const;
