import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { chargeback, GB, TB } from '../cost.js';
import { loadMesh } from '../mesh.js';
import { table } from '../style.js';
import { numberFlag } from './options.js';

export const money = (n: number, currency: string) =>
  `${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;

export async function run(
  values: Record<string, unknown> & GlobalOptions,
  _names: string[],
  io: Io,
): Promise<number> {
  // A century of history is more than any run log holds; beyond it dates leave the calendar.
  const days = numberFlag(values.days, 'days', 30, { integer: true, max: 36_500 });
  const mesh = await loadMesh(values);
  const bill = await withWarehouse(values, (warehouse, context) =>
    chargeback(warehouse, mesh, context.config.cost, { days }),
  );
  if (values.json) {
    io.out(JSON.stringify(bill, null, 2));
    return 0;
  }
  const c = bill.currency;
  const row = (name: string, d: (typeof bill.domains)[number] | typeof bill.totals) => [
    name,
    (d.storageBytes / GB).toFixed(3),
    money(d.storageCost, c),
    (d.processedBytes / TB).toFixed(6),
    money(d.computeCost, c),
    money(d.platformCost, c),
    money(d.total, c),
  ];
  io.out(
    table(
      ['DOMAIN', 'STORAGE GB', 'STORAGE', 'PROCESSED TB', 'COMPUTE', 'PLATFORM', 'TOTAL / MONTH'],
      [...bill.domains.map((d) => row(d.domain, d)), row('total', bill.totals)],
    ),
  );
  io.out(
    `\nRates: ${bill.rates.storagePerGbMonth} ${c} per GB-month, ${bill.rates.computePerTb} ${c} per TB processed, ${money(bill.rates.platformPerMonth, c)} platform per month split by data volume. Compute from ${bill.computeFrom === 'job labels' ? 'the bytes billed by the jobs labelled with each domain' : 'the builds'} of the last ${days} days, scaled to a month.`,
  );
  return 0;
}
