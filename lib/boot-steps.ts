import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * User data as independent boot steps. Each step runs in its own subshell with `set -euo pipefail`,
 * is retried, and on its last failure is reported (a metric the fleet's alarm watches) without stopping
 * the steps after it. One failing package mirror can therefore never keep the CodeDeploy agent off an
 * instance (CodeDeploy would then fail the launch deployment and Auto Scaling would launch again), and
 * a failed CodeDeploy install never keeps our agent off either.
 */

/** The metric a failed step publishes, by `Fleet` and by `Fleet` and `Component`. */
export const INSTALL_FAILURES_METRIC = 'InstallFailures';

/** Attempts per step; between them the script waits 15 s, then 30 s. */
export const BOOT_STEP_ATTEMPTS = 3;

/** Where a failure is reported: the fleet's own namespace, which its instance role may write. */
export interface BootReport {
  readonly namespace: string;
  readonly fleetName: string;
  /** The stack's region (a token is fine: user data renders it at deploy time). */
  readonly region: string;
}

/** Steps are named in user data and in the metric's Component dimension. */
const COMPONENT = /^[a-z][a-z0-9-]{0,40}$/;

/** What can run boot steps on its instances: a fleet whose user data we write, and its role. */
export interface BootSteps {
  addBootStep(component: string, commands: readonly string[]): void;
  readonly role: iam.IRole;
}

/** The helpers every step uses; first in the user data, and with no `set -e` of its own. */
export function bootPreamble(report: BootReport): string[] {
  const datum = (dimensions: string) => `{"MetricName":"${INSTALL_FAILURES_METRIC}","Dimensions":[${dimensions}],"Value":1,"Unit":"Count"}`;
  const fleet = `{"Name":"Fleet","Value":"${report.fleetName}"}`;
  const metricData = `[${datum(fleet)},${datum(`${fleet},{"Name":"Component","Value":"'"$1"'"}`)}]`;
  return [
    '# graceful-autoscaler boot steps: each runs on its own and is retried; a failure is reported, never fatal to the others.',
    'ga_step_failed() {',
    '  echo "graceful-autoscaler: boot step $1 failed ' + BOOT_STEP_ATTEMPTS + ' times; reporting it" >&2',
    `  aws cloudwatch put-metric-data --region ${report.region} --namespace '${report.namespace}' --metric-data '${metricData}' \\`,
    '    || echo "graceful-autoscaler: could not report the failure of $1" >&2',
    '}',
    'ga_step() {',
    '  local component=$1 attempt status',
    '  shift',
    `  for attempt in $(seq 1 ${BOOT_STEP_ATTEMPTS}); do`,
    // Not inside `if`: bash ignores errexit in a tested context, even in a subshell.
    '    ( set -euo pipefail; "$@" )',
    '    status=$?',
    '    if [ "$status" -eq 0 ]; then echo "graceful-autoscaler: boot step $component done"; return 0; fi',
    '    echo "graceful-autoscaler: boot step $component attempt $attempt exited $status" >&2',
    `    if [ "$attempt" -lt ${BOOT_STEP_ATTEMPTS} ]; then sleep $((attempt * 15)); fi`,
    '  done',
    '  ga_step_failed "$component"',
    '}',
  ];
}

/** One step: its commands as a function, then its run. Heredocs in `commands` keep their terminators. */
export function bootStep(component: string, commands: readonly string[]): string[] {
  if (!COMPONENT.test(component)) throw new Error(`boot step name ${JSON.stringify(component)} must be lower-case letters, digits and dashes`);
  const fn = `ga_install_${component.replace(/-/g, '_')}`;
  return [`# boot step: ${component}`, `${fn}() {`, ...commands, '}', `ga_step ${component} ${fn}`];
}
