import { ControllerDeps, ReconcileSummary, reconcile } from '../controller/reconcile';

/**
 * The safety net, every minute: every Terminating:Wait instance of every managed group is re-checked,
 * whatever happened to its events. Idempotent with the event path; a sweep that dies midway is finished
 * by the next one.
 */
export function makeDrainSweepHandler(deps: ControllerDeps) {
  return async (): Promise<ReconcileSummary> => {
    const waiting = await deps.fleet.listWaitingInstances(Object.keys(deps.settings.groups));
    const summary = await reconcile(deps, waiting, { sweep: true });
    deps.log.info('sweep done', {
      waiting: summary.waiting,
      finished: Object.fromEntries(summary.finished),
      stopsSent: summary.stopsSent,
      heartbeats: summary.heartbeats,
      errors: summary.errors,
    });
    return summary;
  };
}
