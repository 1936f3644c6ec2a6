/**
 * The drain's price check in the signals function (core/drain-extension.ts): each minute, per fleet with
 * it on, the coordinator's finished queries feed the fleet's run-time history and its running queries are
 * predicted from it; the fleet's drains near their deadline are weighed, and those worth waiting for get a
 * later deadline in the drain store, which the sweep then honours with heartbeats, as it does for a
 * replaced straggler or the extend-drain runbook.
 */
import { DrainPricingSettings } from '../../core/contract/signals-settings';
import { DRAINS_EXTENDED_METRIC, DRAIN_QUERIES_AT_RISK_METRIC, REMAINING_UNDERRUN_METRIC } from '../../core/contract/metrics';
import { queriesInFlight } from '../../core/coordinator-signals';
import { DEFAULT_DRAIN_EXTENSION, activeDrainOf, blockersOf, priceDueDrains } from '../../core/drain-extension';
import { ControllerLog, DrainRecord, DrainStore, RuntimeHistoryStore, SignalDatapoint } from '../../core/ports';
import { DEFAULT_REMAINING_QUANTILE, DurationHistory, LONG_QUERY_SECONDS } from '../../core/remaining-time';
import { capError } from '../../core/util/log-text';

export interface DrainPricingDeps {
  readonly drains: Pick<DrainStore, 'listActive' | 'setDeadline'>;
  readonly runtimes: RuntimeHistoryStore;
  /** The signature of a statement (workload/signature.ts), or undefined when it cannot be read. */
  readonly signatureOf?: (sql: string) => string | undefined;
  readonly log: ControllerLog;
}

/** Finished queries older than this are not read again after a gap: the coordinator keeps them 15 minutes (`query.min-expire-age`). */
const MAX_CATCH_UP_MS = 15 * 60_000;
/** The history is written at least this often (one item of about 15 KB: DynamoDB bills a write unit per KB). */
export const SAVE_EVERY_MS = 5 * 60_000;

export interface FleetToPrice {
  readonly fleet: string;
  readonly groupName: string;
  readonly drainPricing: DrainPricingSettings;
}

/**
 * One fleet's minute. `active` lists every drain once per run (shared by the fleets). Returns the
 * datapoints to publish; never throws: a store or history that cannot be read costs this fleet its
 * extensions this minute (the drains keep their deadlines), never the scaling decision.
 */
export async function priceFleetDrains(deps: DrainPricingDeps, f: FleetToPrice, body: unknown, nowMs: number, active: () => Promise<DrainRecord[]>): Promise<SignalDatapoint[]> {
  const out: SignalDatapoint[] = [];
  const signature = (sql: string | undefined) => {
    if (sql === undefined || !deps.signatureOf) return undefined;
    try {
      return deps.signatureOf(sql);
    } catch {
      return undefined;
    }
  };
  let stored;
  try {
    stored = await deps.runtimes.load(f.fleet);
  } catch (e) {
    deps.log.warn('run-time history unreadable: no drain priced this minute', { fleet: f.fleet, error: capError(e) });
    return out;
  }
  const history = DurationHistory.fromJSON(stored?.history);
  // A stored read time in the future (a clock that jumped, an item written by hand) is not believed: it
  // would stop both the reading and the saving until the clock caught up.
  const readUntil = stored !== undefined && stored.readUntilMs <= nowMs ? stored.readUntilMs : undefined;
  const since = Math.max(readUntil ?? nowMs - 60_000, nowMs - MAX_CATCH_UP_MS);
  const { running, finished } = queriesInFlight(body, nowMs, since);
  // Calibration, over the queries that ended within the last minute only: those read again between saves
  // were judged in their own minute, and counting them again would weigh them twice.
  let judged = 0;
  let underruns = 0;
  for (const q of finished) {
    const sig = signature(q.sql);
    if (q.endedAtMs > nowMs - 60_000) {
      // The prediction the history gave at half the query's run, before it learns this one.
      judged++;
      if (q.runSeconds / 2 > history.predict(q.runSeconds / 2, DEFAULT_REMAINING_QUANTILE, sig).seconds) underruns++;
    }
    history.record(q.runSeconds, sig);
  }
  if (judged > 0) out.push({ name: REMAINING_UNDERRUN_METRIC, fleet: f.fleet, value: underruns / judged, unit: 'None' });
  // Saved when a long query finished, or every SAVE_EVERY_MS: short queries alone wait, and since how far
  // the list was read is saved with them, the next run reads them again from the coordinator (it keeps
  // them 15 minutes), so nothing is lost or counted twice, for a fifth of the writes.
  const due = readUntil === undefined || nowMs - readUntil >= SAVE_EVERY_MS || finished.some((q) => q.runSeconds > LONG_QUERY_SECONDS);
  if (due) {
    try {
      await deps.runtimes.save(f.fleet, { history: history.toJSON(), readUntilMs: nowMs });
    } catch (e) {
      deps.log.warn("run-time history not saved: this minute's finished queries are read again next minute", { fleet: f.fleet, error: capError(e) });
    }
  }

  let records: DrainRecord[];
  try {
    records = (await active()).filter((r) => r.groupName === f.groupName);
  } catch (e) {
    deps.log.warn('drains unreadable: none priced this minute, their deadlines stand', { fleet: f.fleet, error: capError(e) });
    return out;
  }
  if (records.length === 0) return out;
  const settings = { ...DEFAULT_DRAIN_EXTENSION, killPenaltyInstanceSeconds: f.drainPricing.killPenaltyInstanceSeconds, maxDrainSeconds: f.drainPricing.maxDrainSeconds };
  const drains = records.map((r) => activeDrainOf(r));
  const blockers = blockersOf(running, history, DEFAULT_REMAINING_QUANTILE, f.drainPricing.vcpus, (q) => signature(q.sql));
  let extended = 0;
  const { decisions, queriesAtRisk: atRisk } = priceDueDrains(drains, blockers, nowMs, settings);
  for (const d of decisions) {
    if (d.rule === 'not-due') continue;
    const fields = { fleet: f.fleet, instanceId: d.instanceId, rule: d.rule, queriesAtRisk: d.queriesAtRisk, valueAtRiskInstanceSeconds: Math.round(d.valueAtRiskInstanceSeconds), extensionCostInstanceSeconds: Math.round(d.extensionCostInstanceSeconds) };
    if (d.deadlineAt === undefined) {
      deps.log.info('drain priced: its deadline stands', fields);
      continue;
    }
    try {
      if (await deps.drains.setDeadline(d.instanceId, d.deadlineAt, true)) {
        extended++;
        deps.log.info('drain priced: deadline moved, the queries it waits for are worth more than the wait', { ...fields, deadline: new Date(d.deadlineAt).toISOString() });
      }
    } catch (e) {
      deps.log.warn('drain deadline not moved: it is forced at its deadline', { ...fields, error: capError(e) });
    }
  }
  out.push({ name: DRAINS_EXTENDED_METRIC, fleet: f.fleet, value: extended, unit: 'Count' }, { name: DRAIN_QUERIES_AT_RISK_METRIC, fleet: f.fleet, value: atRisk, unit: 'Count' });
  return out;
}
