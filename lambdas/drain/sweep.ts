import type { Context } from 'aws-lambda';
import { ControllerDeps, ReconcileSummary, reconcile } from './reconcile';

/** Time kept back from the function's timeout to finish in-flight writes and flush metrics. */
export const SWEEP_SAFETY_MARGIN_MS = 10_000;

/**
 * The safety net, every minute: every Terminating:Wait instance of every managed group is re-checked,
 * whatever happened to its events. Idempotent with the event path; a sweep that dies midway is finished
 * by the next one.
 */
export function makeDrainSweepHandler(deps: ControllerDeps) {
  return async (_event?: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<ReconcileSummary> => {
    const stopBy = context ? deps.now() + context.getRemainingTimeInMillis() - SWEEP_SAFETY_MARGIN_MS : undefined;
    const waiting = await deps.fleet.listWaitingInstances(Object.keys(deps.settings.groups));
    const summary = await reconcile(deps, waiting, { sweep: true, stopBy });
    deps.log.info('sweep done', {
      waiting: summary.waiting,
      finished: Object.fromEntries(summary.finished),
      stopsSent: summary.stopsSent,
      heartbeats: summary.heartbeats,
      errors: summary.errors,
      deferred: summary.deferred,
    });
    return summary;
  };
}
