import type { SEGMENTS } from '@retail-mesh/domain-customer';
import { renderSql, sql, type Warehouse, type z } from '@retail-mesh/sdk';
import { marketingCustomerLifetimeValue } from './marketing-customer-lifetime-value.js';

/** One row of marketing_customer_lifetime_value, typed from its contract. */
export type CltvRow = z.infer<typeof marketingCustomerLifetimeValue.schema>;

export type CustomerSegment = (typeof SEGMENTS)[number];

/** Customers and their average predicted lifetime value, for one segment. */
export interface SegmentCltv {
  segment: CustomerSegment;
  customers: number;
  averageCltv: number;
}

/**
 * The lifetime value of one customer, looked up in the warehouse (the filter runs in SQL,
 * one row comes back); undefined when the customer is not in the published product.
 *
 * @example
 * const cltv = await customerLifetimeValue(warehouse, 'C00000042');
 * if (cltv?.cltv_band === 'top') offerConcierge(cltv.customer_id);
 */
export async function customerLifetimeValue(
  warehouse: Warehouse,
  customerId: string,
): Promise<CltvRow | undefined> {
  for await (const row of marketingCustomerLifetimeValue.read(warehouse, {
    where: { customer_id: customerId },
    limit: 1,
  })) {
    return row;
  }
  return undefined;
}

/**
 * Customers and average predicted lifetime value per segment, aggregated in the warehouse
 * by one portable query, in segment order. Segments without customers are absent.
 *
 * @example
 * for (const { segment, customers, averageCltv } of await averageCltvBySegment(warehouse)) {
 *   console.log(segment, customers, averageCltv.toFixed(2));
 * }
 */
export async function averageCltvBySegment(warehouse: Warehouse): Promise<SegmentCltv[]> {
  const statement = renderSql(
    sql`SELECT segment, COUNT(*) AS customers, ${sql.cast(sql`AVG(predicted_cltv)`, 'number')} AS average_cltv
        FROM ${marketingCustomerLifetimeValue}
        GROUP BY segment
        ORDER BY segment`,
    warehouse.dialect,
  );
  const segments = marketingCustomerLifetimeValue.schema.shape.segment;
  // Warehouses hand back counts as bigint or string and NUMERIC as text: convert, and let
  // the contract's enum reject a segment the published table should never hold.
  return (await warehouse.query(statement)).map((row) => ({
    segment: segments.parse(row.segment),
    customers: Number(row.customers),
    averageCltv: Number(row.average_cltv),
  }));
}
