/** The alarms, each published to the alarm topic and named under the environment's prefix. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { DECISION_METRIC, QUERIES_INVISIBLE_METRIC, SIGNALS_FAILED_METRIC } from '../../core/contract/metrics';
import { WORKING_CPU_PERCENT } from '../../core/coordinator-signals';
import { BOOT_STEP_ATTEMPTS, INSTALL_FAILURES_METRIC } from '../boot-steps';
import { sourcePrefix } from '../names';
import { OperationsContext } from './context';
import { controllerMetric, cpu, groupMetric, installFailures } from './metrics';

/** Minutes the decision says "capacity ceiling" before the backpressure alarm. */
const CEILING_MINUTES = 5;
/** Minutes without a fleet's signals before the operator is told. */
const SIGNALS_DOWN_MINUTES = 5;
/**
 * Minutes a working fleet's coordinator lists no query before the operator is told: long enough to ride
 * out a coordinator restart, whose empty list ends as the workers' CPU falls with their killed tasks.
 */
const QUERIES_INVISIBLE_MINUTES = 10;
/** Minutes at maximum capacity with CPU above target before capacity is called exhausted. */
const PINNED_MINUTES = 15;

export function addAlarm(ctx: OperationsContext, id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
  // Named under the environment's prefix: the topic and the key admit only its own alarms.
  const a = new cloudwatch.Alarm(ctx.scope, id, { alarmName: `${sourcePrefix(ctx.props.environmentName)}${id}`, ...props });
  a.addAlarmAction(new actions.SnsAction(ctx.props.alarmTopic));
  ctx.alarms.push(a);
  return a;
}

/**
 * Heron's backpressure made visible: the decision says the fleet needs more than its maximum (rule
 * capacity-ceiling) for CEILING_MINUTES in a row, so queries queue instead of the fleet growing.
 */
export function ceilingAlarm(ctx: OperationsContext, fleet: string): cloudwatch.Alarm {
  let a = ctx.ceilingAlarms.get(fleet);
  if (!a) {
    const f = ctx.props.fleets.find((x) => x.config.name === fleet)!;
    a = addAlarm(ctx, `CapacityCeilingAlarm-${fleet}`, {
      alarmDescription: `graceful-autoscaler ${ctx.props.environmentName}: capacity ceiling: queries queueing. Fleet ${fleet} is at its maximum${f.config.existing ? '' : ` of ${f.config.maxCapacity} instances`} and its coordinator's backlog still needs more (rule capacity-ceiling, ${CEILING_MINUTES} minutes running). Raise maxCapacity, or accept the queue; the dashboard shows the queue and the backlog time.`,
      metric: ctx.props.signals!.metric(fleet, DECISION_METRIC, 'Sum', 'capacity-ceiling minutes', { Rule: 'capacity-ceiling' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: CEILING_MINUTES,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    ctx.ceilingAlarms.set(fleet, a);
  }
  return a;
}

export function createAlarms(ctx: OperationsContext): void {
  const c = ctx.props.controller;
  const env = ctx.props.environmentName;
  const alarm = (id: string, props: cloudwatch.AlarmProps) => addAlarm(ctx, id, props);
  alarm('ForcedTerminationAlarm', {
    alarmDescription: `graceful-autoscaler ${env}: a drain reached its deadline and was forced, killing running tasks. See the dashboard's "what was killed".`,
    metric: controllerMetric(ctx, 'ForcedTerminations', 'Sum'),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm('DrainPastDeadlineAlarm', {
    alarmDescription: `graceful-autoscaler ${env}: an instance is still draining past its deadline plus two sweeps: the controller is not forcing it.`,
    metric: controllerMetric(ctx, 'DrainsPastDeadline', 'Maximum'),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 2,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm('ControllerErrorAlarm', {
    alarmDescription: `graceful-autoscaler ${env}: the drain controller failed on instances or its functions errored.`,
    metric: new cloudwatch.MathExpression({
      expression: 'instanceErrors + eventErrors + sweepErrors',
      usingMetrics: {
        instanceErrors: controllerMetric(ctx, 'InstanceErrors', 'Sum', Duration.minutes(5)),
        eventErrors: c.eventFunction.metricErrors({ period: Duration.minutes(5) }),
        sweepErrors: c.sweepFunction.metricErrors({ period: Duration.minutes(5) }),
      },
      period: Duration.minutes(5),
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm('WarmPoolReuseAlarm', {
    alarmDescription: `graceful-autoscaler ${env}: a scale-in sent an instance back to a warm pool (InstanceReusePolicy ReuseOnScaleIn). It waits in Warmed:Pending:Wait, not Terminating:Wait, so it was not drained: its running queries are lost when Auto Scaling stops it. Turn ReuseOnScaleIn off with PutWarmPool. The event function's log names the instance.`,
    metric: controllerMetric(ctx, 'WarmPoolReuseEvents', 'Sum', Duration.minutes(5)),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm('SweepNotRunningAlarm', {
    alarmDescription: `graceful-autoscaler ${env}: the one-minute sweep has not run for 5 minutes: drains depend on events alone.`,
    metric: c.sweepFunction.metricInvocations({ period: Duration.minutes(5), statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
  alarm('DeadLetterAlarm', {
    alarmDescription: `graceful-autoscaler ${env}: lifecycle events are in the dead-letter queue (malformed, or failing repeatedly). Each carries its reason.`,
    metric: c.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  for (const f of ctx.props.fleets) {
    // Our boot steps run only on instances we launch; an adopted group's boot is its owner's.
    if (!f.config.existing) alarm(`InstallFailedAlarm-${f.config.name}`, {
      alarmDescription: `graceful-autoscaler ${env}: an instance of fleet ${f.config.name} failed to install the CodeDeploy agent or our worker agent at boot after ${BOOT_STEP_ATTEMPTS} attempts. The other steps still ran. The Component dimension of ${INSTALL_FAILURES_METRIC} names the step; the instance's /var/log/cloud-init-output.log says why. Without the CodeDeploy agent its launch deployment fails; without ours its drains are forced at the deadline.`,
      metric: installFailures(ctx, f.config.name),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (f.config.scaling && ctx.props.signals) {
      ceilingAlarm(ctx, f.config.name);
      alarm(`SignalsUnavailableAlarm-${f.config.name}`, {
        alarmDescription: `graceful-autoscaler ${env}: fleet ${f.config.name}'s scaling signals could not be read for ${SIGNALS_DOWN_MINUTES} minutes (coordinator ${f.config.coordinatorUrl} unreachable or not answering /v1/query, or the function failing). Its ratio policy sees no data: it neither scales out on the queue nor agrees to any scale-in, so the fleet only grows on CPU. The function's log says why.`,
        metric: new cloudwatch.MathExpression({
          expression: 'FILL(unavailable, 0) + FILL(errors, 0)',
          usingMetrics: {
            unavailable: ctx.props.signals.metric(f.config.name, SIGNALS_FAILED_METRIC, 'Sum', 'signals unavailable'),
            errors: ctx.props.signals.function.metricErrors({ period: Duration.minutes(1) }),
          },
          period: Duration.minutes(1),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: SIGNALS_DOWN_MINUTES,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm(`QueriesInvisibleAlarm-${f.config.name}`, {
        alarmDescription: `graceful-autoscaler ${env}: fleet ${f.config.name}'s CPU has been at ${WORKING_CPU_PERCENT}% or more for ${QUERIES_INVISIBLE_MINUTES} minutes while its coordinator ${f.config.coordinatorUrl} lists no queries at all, so its queue reads empty and it never scales out on it. Trino's /v1/query lists only the queries the caller may view: give the signals user view on every query owner (file-based access control: a query rule for that user with "allow": ["view"], queryOwner defaulting to all), or check that coordinatorUrl is this fleet's coordinator. The fleet still scales on CPU.`,
        metric: ctx.props.signals.metric(f.config.name, QUERIES_INVISIBLE_METRIC, 'Sum', 'queries invisible'),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: QUERIES_INVISIBLE_MINUTES,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    const group = f.fleet.autoScalingGroup.autoScalingGroupName;
    // An adopted group's maximum is its owner's to change: read it from the group's own metric.
    const max = f.config.existing ? 'maxSize' : String(f.config.maxCapacity);
    alarm(`CpuPinnedAlarm-${f.config.name}`, {
      alarmDescription: `graceful-autoscaler ${env}: fleet ${f.config.name} is at its maximum${f.config.existing ? '' : ` of ${f.config.maxCapacity} instances`} with CPU above its ${f.config.targetCpuPercent}% target for ${PINNED_MINUTES} minutes: raise maxCapacity or expect queueing.`,
      metric: new cloudwatch.MathExpression({
        expression: `IF(inService >= ${max} AND cpu > ${f.config.targetCpuPercent}, 1, 0)`,
        usingMetrics: {
          inService: groupMetric('GroupInServiceInstances', group, 'in service'),
          cpu: cpu(group),
          ...(f.config.existing ? { maxSize: groupMetric('GroupMaxSize', group, 'maximum') } : {}),
        },
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: PINNED_MINUTES,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
