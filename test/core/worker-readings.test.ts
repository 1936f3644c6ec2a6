/**
 * The agents' readings messages: who may speak for which instance (SenderId, the group's role, the
 * group's queue), what a message may hold, and how the readers see what was kept.
 */
import { MAX_READINGS_BYTES, MAX_READINGS_PER_MESSAGE, ReadingsSender, StoredReadings, formatReadingsMessage, parseReadingsMessage, pressureOf, taskReadingsOf } from '../../core/worker-readings';
import { parseReadingsSettings, readingsSender } from '../../core/contract/readings-settings';

const ROLE = 'AROAWORKERROLEETL0001';
const OTHER_ROLE = 'AROAWORKERROLEADHOC01';
const QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:readings-etl';
const OTHER_QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:readings-adhoc';
const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const SENT = Date.UTC(2026, 11, 6, 12, 1, 5);
const senders: Record<string, ReadingsSender> = Object.assign(Object.create(null), {
  etl: { workerRoleId: ROLE, queueArn: QUEUE },
  adhoc: { workerRoleId: OTHER_ROLE, queueArn: OTHER_QUEUE },
});
const senderOf = (g: string) => (Object.prototype.hasOwnProperty.call(senders, g) ? senders[g] : undefined);
const body = (instanceId = A, groupName = 'etl', readings: unknown[] = [{ at: SENT - 5000, runningTasks: 3, oldestTaskAgeSeconds: 40, pressure: { cpuSteal: 2.5 } }]) =>
  JSON.stringify({ source: 'graceful-autoscaler.agent', 'detail-type': 'Worker Readings', detail: { instanceId, groupName, readings } });
const sqs = (senderId: string | undefined, queueArn: string | undefined = QUEUE) => ({ senderId, sentAt: SENT, messageId: 'm-1', queueArn });

describe('provenance: only the named instance, under its group\'s role, on its group\'s queue', () => {
  test('the genuine message is kept', () => {
    const parsed = parseReadingsMessage(body(), sqs(`${ROLE}:${A}`), senderOf);
    expect(parsed).toEqual({ ok: true, message: { instanceId: A, groupName: 'etl', sentAt: SENT, messageId: 'm-1', readings: [{ at: SENT - 5000, runningTasks: 3, oldestTaskAgeSeconds: 40, pressure: { cpuSteal: 2.5 } }] } });
  });

  test.each([
    ['a peer speaking for A (B\'s credentials)', body(A), sqs(`${ROLE}:${B}`), /sender is not the named instance/],
    ['no SenderId at all', body(A), sqs(undefined), /sender is not the named instance/],
    ['another group\'s role naming an instance of this group', body(A, 'etl'), sqs(`${OTHER_ROLE}:${A}`), /sender is not the named instance/],
    ['a genuine sender claiming another group', body(A, 'adhoc'), sqs(`${ROLE}:${A}`), /sender is not the named instance/],
    ['the right sender on another fleet\'s queue', body(A, 'adhoc'), sqs(`${OTHER_ROLE}:${A}`, QUEUE), /did not arrive on its group's readings queue/],
    ['a group that takes no readings', body(A, 'legacy'), sqs(`${ROLE}:${A}`), /group does not accept readings/],
    ['__proto__ as a group', body(A, '__proto__'), sqs(`${ROLE}:${A}`), /group does not accept readings/],
    ['a role id that is only a prefix', body(A), sqs(`${ROLE.slice(0, -1)}:${A}`), /sender is not the named instance/],
  ])('%s is rejected', (_name, b, s, reason) => {
    const parsed = parseReadingsMessage(b, s, senderOf);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(reason);
  });
});

describe('a message holds only bounded, well-formed readings', () => {
  const ok = sqs(`${ROLE}:${A}`);
  test.each([
    ['not JSON', '{', /not JSON/],
    ['a drain report', JSON.stringify({ source: 'graceful-autoscaler.agent', 'detail-type': 'Worker Drained', detail: {} }), /not a readings message/],
    ['oversized', body(A, 'etl', Array.from({ length: 60 }, () => ({ at: SENT, runningTasks: 1, pad: 'x'.repeat(300) }))), /more than/],
    ['no readings', body(A, 'etl', []), /list of 1 to/],
    ['too many readings', body(A, 'etl', Array.from({ length: MAX_READINGS_PER_MESSAGE + 1 }, () => ({ at: SENT, runningTasks: 1 }))), /list of 1 to/],
    ['a negative count', body(A, 'etl', [{ at: SENT, runningTasks: -1 }]), /runningTasks is not a task count/],
    ['a fractional count', body(A, 'etl', [{ at: SENT, runningTasks: 0.5 }]), /runningTasks is not a task count/],
    ['a count as text', body(A, 'etl', [{ at: SENT, runningTasks: '0' }]), /runningTasks is not a task count/],
    ['an infinite age', body(A, 'etl', [{ at: SENT, runningTasks: 1, oldestTaskAgeSeconds: Number.POSITIVE_INFINITY }]), /oldestTaskAgeSeconds/],
    ['pressure over 100%', body(A, 'etl', [{ at: SENT, pressure: { cpuSteal: 101 } }]), /pressure.cpuSteal is not a percentage/],
    ['an unknown resource', body(A, 'etl', [{ at: SENT, pressure: { gpu: 1 } }]), /unknown resource/],
    ['an unknown field', body(A, 'etl', [{ at: SENT, runningTasks: 1, instanceId: B }]), /unknown field/],
    ['a reading older than 15 minutes before the send', body(A, 'etl', [{ at: SENT - 16 * 60_000, runningTasks: 0 }]), /at is not a time/],
    ['a bad instance id', body('i-; drop', 'etl'), /instanceId/],
  ])('%s is rejected', (_name, b, reason) => {
    const parsed = parseReadingsMessage(b, ok, senderOf);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(reason);
  });

  test('a reading stamped after its message was sent (a clock ahead, or a forged future) counts as of the send', () => {
    const parsed = parseReadingsMessage(body(A, 'etl', [{ at: SENT + 3600_000, runningTasks: 0 }]), ok, senderOf);
    expect(parsed.ok && parsed.message.readings[0].at).toBe(SENT);
  });

  test('the limit holds a whole message of the most readings with every figure', () => {
    const full = formatReadingsMessage({
      instanceId: A,
      groupName: 'g'.repeat(255),
      readings: Array.from({ length: MAX_READINGS_PER_MESSAGE }, (_, k) => ({ at: SENT - k * 10_000, runningTasks: 999_999, oldestTaskAgeSeconds: 123456.789, pressure: { cpuSteal: 99.99, cpuPressure: 99.99, memoryPressure: 99.99, ioPressure: 99.99, diskBusy: 99.99 } })),
    });
    expect(full.length).toBeLessThanOrEqual(MAX_READINGS_BYTES);
  });
});

describe('what the readers see', () => {
  const stored = (instanceId: string, groupName: string, messageId: string, readings: StoredReadings['readings']): StoredReadings => ({ instanceId, groupName, sentAt: SENT, messageId, readings });
  const END = Date.UTC(2026, 11, 6, 12, 0, 0);

  test('task readings: only the group and instances asked about; a reading without a count is no data, never zero', () => {
    const r = taskReadingsOf(
      [stored(A, 'etl', '1', [{ at: END - 20_000, runningTasks: 2 }, { at: END - 10_000 }]), stored(B, 'adhoc', '2', [{ at: END - 10_000, runningTasks: 0 }]), stored('i-0ccccccccccccccc3', 'etl', '3', [{ at: END - 10_000 }])],
      'etl',
      [A, B, 'i-0ccccccccccccccc3'],
    );
    expect([...r.keys()]).toEqual([A]);
    expect(r.get(A)!.readings).toEqual([{ at: END - 20_000, runningTasks: 2 }]);
  });

  test('pressure: one-minute averages of each figure and of the count, null where a minute had none; a message read twice counts once', () => {
    const m = stored(A, 'etl', '1', [
      { at: END - 60_000, runningTasks: 2, pressure: { cpuSteal: 10 } },
      { at: END - 50_000, runningTasks: 4, pressure: { cpuSteal: 20 } },
      { at: END - 130_000, runningTasks: 1 },
    ]);
    const p = pressureOf([m, m], 'etl', [A, B], END, 3).get(A)!;
    expect(p.cpuSteal).toEqual([null, null, 15]);
    expect(p.load).toEqual([1, null, 3]);
    expect(pressureOf([m], 'etl', [A, B], END, 3).get(B)!.load).toEqual([null, null, null]);
  });
});

describe('settings', () => {
  test('groups by name, with a role id and a queue ARN; own keys only', () => {
    const s = parseReadingsSettings(JSON.stringify({ groups: { etl: { workerRoleId: ROLE, queueArn: QUEUE } } }));
    expect(readingsSender(s, 'etl')).toEqual({ workerRoleId: ROLE, queueArn: QUEUE });
    expect(readingsSender(s, '__proto__')).toBeUndefined();
    expect(readingsSender(s, 'constructor')).toBeUndefined();
  });

  test.each([
    [{}, /groups/],
    [{ groups: { etl: { workerRoleId: 'role', queueArn: QUEUE } } }, /groups.etl.workerRoleId \("role"\) must be an IAM role id/],
    [{ groups: { etl: { workerRoleId: ROLE, queueArn: 'https://sqs.eu-west-1.amazonaws.com/1/q' } } }, /groups.etl.queueArn .* must be an SQS queue ARN/],
  ])('%j is refused naming the field', (raw, message) => {
    expect(() => parseReadingsSettings(JSON.stringify(raw))).toThrow(message);
  });
});
