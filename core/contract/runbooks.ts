/**
 * The runbooks by name: the stack deploys one function and one SSM document per name (lib/operations),
 * and the runbook function's entry picks its runbook by the same name (lambdas/runbooks).
 */
export const RUNBOOK_NAMES = ['fleet-status', 'drain-instance', 'force-complete', 'extend-drain', 'pause-scaling', 'resume-scaling', 'deploy', 'deployment-status'] as const;

export type RunbookName = (typeof RUNBOOK_NAMES)[number];
