/**
 * The environment variables of each Lambda entry (lambdas/entry/<entry>.ts), named once. The stack
 * writes them (lib/controller-function.ts types a function's environment by its entry; lib/config/limits.ts
 * sizes them) and the entry reads them (lambdas/entry/runtime.ts readEnvironment), so a name spelled
 * differently on one side, or missing from the other, does not compile. The variables every function has
 * (Powertools' service name and namespace, NODE_OPTIONS) are ControllerFunction's own, not listed here.
 */

/** What the drain event and sweep functions both read (lambdas/entry/controller.ts). */
export const CONTROLLER_FUNCTION_ENV = { required: ['CONTROLLER_SETTINGS', 'DRAIN_TABLE_NAME', 'DEAD_LETTER_QUEUE_URL'], optional: [] } as const;

/**
 * Per entry: the variables it must be given (a missing one stops it at load) and those it reads only when
 * a feature is on (DRAIN_TABLE_NAME beside the readings queue or the drain's price check).
 */
export const FUNCTION_ENV = {
  'drain-events': CONTROLLER_FUNCTION_ENV,
  'drain-sweep': CONTROLLER_FUNCTION_ENV,
  'termination-policy': { required: ['TERMINATION_POLICY_SETTINGS'], optional: ['DRAIN_TABLE_NAME'] },
  runbook: { required: ['RUNBOOK_NAME', 'RUNBOOK_SETTINGS', 'DRAIN_TABLE_NAME'], optional: [] },
  'scaling-signals': { required: ['SIGNALS_SETTINGS'], optional: ['DRAIN_TABLE_NAME'] },
  'group-adoption': { required: ['DRAIN_HOOK_NAME', 'STACK_ID', 'TERMINATION_POLICY_ARN', 'ADOPTED_GROUPS'], optional: [] },
  stragglers: { required: ['STRAGGLER_SETTINGS', 'DRAIN_TABLE_NAME'], optional: [] },
  readings: { required: ['READINGS_SETTINGS', 'DRAIN_TABLE_NAME'], optional: [] },
} as const;

/** A Lambda entry under lambdas/entry, by its file name. */
export type FunctionEntry = keyof typeof FUNCTION_ENV;

/** The variables entry E must be given. */
export type RequiredEnvName<E extends FunctionEntry> = (typeof FUNCTION_ENV)[E]['required'][number];
/** The variables entry E reads only when a feature is on. */
export type OptionalEnvName<E extends FunctionEntry> = (typeof FUNCTION_ENV)[E]['optional'][number];

/** Entry E's environment, as the stack writes it and the entry reads it. */
export type FunctionEnvironment<E extends FunctionEntry> = { readonly [K in RequiredEnvName<E>]: string } & { readonly [K in OptionalEnvName<E>]?: string };
