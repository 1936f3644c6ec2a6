/**
 * The agent's in-service readings, sent once a minute to its fleet's readings queue instead of being
 * published as per-instance CloudWatch metrics (docs/cost.md: a custom metric is $0.30 a month each).
 *
 * A message is a claim, verified as a drain report is (drain-report.ts): SQS stamps each message with
 * the sender's identity (`SenderId`, which the sender cannot choose), `<role id>:<instance id>` for an
 * instance profile. A message is accepted only when that is the named instance under the worker role of
 * the named group, arriving on that group's own queue. Its readings' times are the instance's clock and are
 * bounded by SQS's own `SentTimestamp`: no reading is later than its message was sent, so a message read
 * late is old, never fresh. Pure: no SDK, no clock.
 */
import { parseBoundedBody } from './untrusted-json';
import { PRESSURE_RESOURCES, PressureResource, WorkerPressure } from './stragglers';
import type { TaskReading } from './drain';

export const READINGS_SOURCE = 'graceful-autoscaler.agent';
export const READINGS_DETAIL_TYPE = 'Worker Readings';
/**
 * The most readings one message carries: a minute at a 1 s interval, or the last 12 minutes at the default
 * 10 s after SQS refused the earlier sends. The agent keeps no more; the oldest go first.
 */
export const MAX_READINGS_PER_MESSAGE = 72;
/** A full message is under 14 KB (72 readings with every figure at its widest); anything larger is not one of ours. */
export const MAX_READINGS_BYTES = 16 * 1024;
/** A reading may be at most this much older than its message: what the agent keeps while SQS refuses it. */
export const MAX_READING_LAG_MS = 15 * 60_000;
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
/** A task count past this is not a count any worker runs. */
const MAX_TASKS = 1_000_000;
/** 10 years of seconds: past this an age is not one. */
const MAX_AGE_SECONDS = 10 * 365 * 86_400;

/** One round of the agent's measurements. */
export interface WorkerReading {
  /** When the agent measured (epoch ms, the instance's clock; bounded by the message's send time). */
  readonly at: number;
  /** Running tasks; absent when the worker could not be read (no data, never zero). */
  readonly runningTasks?: number;
  /** Seconds the oldest running task has run, when tasks run and their age is known. */
  readonly oldestTaskAgeSeconds?: number;
  /** The interval's pressure figures (percent), when the fleet detects stragglers. */
  readonly pressure?: Partial<Record<PressureResource, number>>;
}

/** The message body the agent sends. */
export interface ReadingsMessage {
  readonly instanceId: string;
  readonly groupName: string;
  readonly readings: readonly WorkerReading[];
}

/** A verified message as the store keeps it. */
export interface StoredReadings {
  readonly instanceId: string;
  readonly groupName: string;
  /** SQS's SentTimestamp (epoch ms): set by SQS, not by the sender. */
  readonly sentAt: number;
  /** SQS's message id: a redelivered message overwrites itself. */
  readonly messageId: string;
  readonly readings: readonly WorkerReading[];
}

/** Who may send readings for a group: its instances' role id, and the queue it sends to. */
export interface ReadingsSender {
  readonly workerRoleId: string;
  readonly queueArn: string;
}

export type ParsedReadings = { readonly ok: true; readonly message: StoredReadings } | { readonly ok: false; readonly error: string };

/** The body as the agent writes it. */
export function formatReadingsMessage(message: ReadingsMessage): string {
  return JSON.stringify({ source: READINGS_SOURCE, 'detail-type': READINGS_DETAIL_TYPE, detail: message });
}

const finiteIn = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;

/**
 * Parses a readings message and checks where it came from: the body must be ours and bounded, the
 * SenderId must be the named instance under the named group's worker role, and the message must have
 * arrived on that group's queue. Anything else is rejected with the reason.
 */
export function parseReadingsMessage(
  body: string,
  sqs: { readonly senderId: string | undefined; readonly sentAt: number; readonly messageId: string; readonly queueArn: string | undefined },
  senderOf: (groupName: string) => ReadingsSender | undefined,
): ParsedReadings {
  const parsed = parseBoundedBody(body, MAX_READINGS_BYTES, 'message');
  if (!parsed.ok) return parsed;
  const raw = parsed.raw;
  if (typeof raw !== 'object' || raw === null || raw.source !== READINGS_SOURCE || raw['detail-type'] !== READINGS_DETAIL_TYPE) return { ok: false, error: 'not a readings message' };
  const d = raw.detail;
  if (typeof d !== 'object' || d === null) return { ok: false, error: 'detail is missing' };
  if (typeof d.instanceId !== 'string' || !INSTANCE_ID.test(d.instanceId)) return { ok: false, error: 'instanceId is not an instance id' };
  if (typeof d.groupName !== 'string' || d.groupName === '' || d.groupName.length > 255) return { ok: false, error: 'groupName is missing' };
  if (!Array.isArray(d.readings) || d.readings.length === 0 || d.readings.length > MAX_READINGS_PER_MESSAGE) return { ok: false, error: `readings must be a list of 1 to ${MAX_READINGS_PER_MESSAGE}` };

  // Own-key lookup only (the caller's map has no prototype): "__proto__" is an unknown group.
  const sender = senderOf(d.groupName);
  if (sender === undefined) return { ok: false, error: 'group does not accept readings' };
  if (sqs.senderId !== `${sender.workerRoleId}:${d.instanceId}`) return { ok: false, error: "sender is not the named instance under its group's worker role" };
  if (sqs.queueArn !== sender.queueArn) return { ok: false, error: "message did not arrive on its group's readings queue" };

  const readings: WorkerReading[] = [];
  for (const [k, r] of (d.readings as unknown[]).entries()) {
    const problem = readingProblem(r, sqs.sentAt);
    if (problem) return { ok: false, error: `readings[${k}]: ${problem}` };
    const v = r as Record<string, any>;
    readings.push({
      // A reading stamped later than its message was sent (a clock ahead) is taken as of the send.
      at: Math.min(v.at, sqs.sentAt),
      ...(v.runningTasks !== undefined ? { runningTasks: v.runningTasks } : {}),
      ...(v.oldestTaskAgeSeconds !== undefined ? { oldestTaskAgeSeconds: v.oldestTaskAgeSeconds } : {}),
      ...(v.pressure !== undefined ? { pressure: { ...v.pressure } } : {}),
    });
  }
  return { ok: true, message: { instanceId: d.instanceId, groupName: d.groupName, sentAt: sqs.sentAt, messageId: sqs.messageId, readings } };
}

const READING_KEYS = new Set(['at', 'runningTasks', 'oldestTaskAgeSeconds', 'pressure']);

function readingProblem(r: unknown, sentAt: number): string | undefined {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'is not an object';
  const v = r as Record<string, unknown>;
  const unknown = Object.keys(v).find((k) => !READING_KEYS.has(k));
  if (unknown !== undefined) return `unknown field ${JSON.stringify(unknown.slice(0, 40))}`;
  if (!finiteIn(v.at, sentAt - MAX_READING_LAG_MS, Number.MAX_SAFE_INTEGER)) return 'at is not a time within 15 minutes before the message was sent';
  if (v.runningTasks !== undefined && !(Number.isInteger(v.runningTasks) && finiteIn(v.runningTasks, 0, MAX_TASKS))) return 'runningTasks is not a task count';
  if (v.oldestTaskAgeSeconds !== undefined && !finiteIn(v.oldestTaskAgeSeconds, 0, MAX_AGE_SECONDS)) return 'oldestTaskAgeSeconds is not an age';
  if (v.pressure !== undefined) {
    if (typeof v.pressure !== 'object' || v.pressure === null || Array.isArray(v.pressure)) return 'pressure is not an object';
    for (const [name, value] of Object.entries(v.pressure)) {
      if (!(PRESSURE_RESOURCES as string[]).includes(name)) return `pressure names an unknown resource ${JSON.stringify(name.slice(0, 40))}`;
      if (!finiteIn(value, 0, 100)) return `pressure.${name} is not a percentage`;
    }
  }
  return undefined;
}

/**
 * The task readings of `instanceIds` from stored messages, for the termination policy: a reading with a
 * count, oldest first. An instance with no message has no entry: no data, never zero.
 */
export function taskReadingsOf(stored: readonly StoredReadings[], groupName: string, instanceIds: readonly string[]): Map<string, { readings: TaskReading[] }> {
  const wanted = new Set(instanceIds);
  const out = new Map<string, { readings: TaskReading[] }>();
  for (const m of stored) {
    // Only the group asked about: a message about another group's instance is not this choice's.
    if (m.groupName !== groupName || !wanted.has(m.instanceId)) continue;
    const entry = out.get(m.instanceId) ?? { readings: [] };
    for (const r of m.readings) {
      if (r.runningTasks === undefined) continue;
      entry.readings.push({ at: r.at, runningTasks: r.runningTasks, ...(r.oldestTaskAgeSeconds !== undefined ? { oldestTaskAgeSeconds: r.oldestTaskAgeSeconds } : {}) });
    }
    if (entry.readings.length > 0) out.set(m.instanceId, entry);
  }
  for (const e of out.values()) e.readings.sort((a, b) => a.at - b.at);
  return out;
}

/**
 * Each instance's one-minute averages over the `minutes` before `endMs` (oldest first, null where no
 * reading fell in the minute), as the straggler detector reads them: every pressure figure, and the
 * running-task count as `load`. The same numbers CloudWatch's 1-minute Average of the agent's metrics gave.
 */
export function pressureOf(stored: readonly StoredReadings[], groupName: string, instanceIds: readonly string[], endMs: number, minutes: number): Map<string, WorkerPressure> {
  const start = endMs - minutes * 60_000;
  const keys = [...PRESSURE_RESOURCES, 'load'] as const;
  const sums = new Map<string, Record<string, { sum: number; n: number }[]>>();
  for (const id of instanceIds) sums.set(id, Object.fromEntries(keys.map((k) => [k, Array.from({ length: minutes }, () => ({ sum: 0, n: 0 }))])));
  const seen = new Set<string>();
  for (const m of stored) {
    const s = sums.get(m.instanceId);
    // A redelivered message is stored once (its id is its key); a copy read twice is counted once.
    if (m.groupName !== groupName || !s || seen.has(m.messageId)) continue;
    seen.add(m.messageId);
    for (const r of m.readings) {
      const minute = Math.floor((r.at - start) / 60_000);
      if (minute < 0 || minute >= minutes) continue;
      const add = (key: string, v: number | undefined) => {
        if (v === undefined) return;
        s[key][minute].sum += v;
        s[key][minute].n++;
      };
      add('load', r.runningTasks);
      for (const p of PRESSURE_RESOURCES) add(p, r.pressure?.[p]);
    }
  }
  const out = new Map<string, WorkerPressure>();
  for (const [id, s] of sums) out.set(id, Object.fromEntries(keys.map((k) => [k, s[k].map((c) => (c.n === 0 ? null : c.sum / c.n))])) as WorkerPressure);
  return out;
}
