/**
 * npm run bench:signature — signatures per second over 1,000,000 generated queries: the shapes of an
 * analytics workload (point lookups, filtered aggregations with dates and IN lists, joins, inserts,
 * comments), each with fresh literal values. One JSON line.
 */
import { Rng } from '../sim/rng';
import { signatureOf } from '../workload/signature';

const N = 1_000_000;
const rng = new Rng(7);
const pick = <T>(xs: readonly T[]) => xs[rng.int(xs.length)];
const list = (n: number) => Array.from({ length: n }, () => `'${pick(['eu', 'us', 'ap', 'sa', 'af'])}-${rng.int(1000)}'`).join(', ');

const templates: (() => string)[] = [
  () => `SELECT * FROM orders WHERE order_id = ${rng.int(1e9)}`,
  () => `SELECT region, count(*), sum(amount) FROM sales.orders WHERE order_date BETWEEN DATE '2026-${1 + rng.int(12)}-01' AND DATE '2026-${1 + rng.int(12)}-28' AND region IN (${list(1 + rng.int(20))}) GROUP BY 1 ORDER BY 3 DESC LIMIT ${10 + rng.int(100)}`,
  () => `/* dashboard ${rng.int(100)} */ SELECT o.customer_id, c."Name", avg(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.ts > now() - INTERVAL '${1 + rng.int(30)}' DAY AND o.amount > ${(rng.next() * 1000).toFixed(2)} GROUP BY 1, 2 HAVING count(*) > ${rng.int(10)}`,
  () => `INSERT INTO audit (id, note, at) VALUES ${Array.from({ length: 1 + rng.int(5) }, () => `(${rng.int(1e6)}, 'note ${rng.int(1e6)}', TIMESTAMP '2026-11-21 12:00:00')`).join(', ')}`,
  () => `select count(*) from events -- hourly check\nwhere event_type = 'click' and user_id in (${Array.from({ length: 1 + rng.int(50) }, () => rng.int(1e7)).join(',')})`,
];

const queries = Array.from({ length: N }, () => pick(templates)());
const bytes = queries.reduce((s, q) => s + q.length, 0);
const shapes = new Set<string>();
const t0 = performance.now();
for (const q of queries) shapes.add(signatureOf(q).id);
const wallMs = performance.now() - t0;
console.log(
  JSON.stringify({ queries: N, signaturesPerSec: Math.round(N / (wallMs / 1000)), wallMs: Math.round(wallMs), meanQueryChars: Math.round(bytes / N), distinctSignatures: shapes.size }),
);
