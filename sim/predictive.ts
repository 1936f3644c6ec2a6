/**
 * EC2 Auto Scaling's predictive scaling, as a model for judging it on a trace (issue 38: "evaluate, model
 * and, where it wins, deploy AWS predictive scaling for diurnal fleets"). What AWS documents and this
 * model follows (Amazon EC2 Auto Scaling user guide, "Predictive scaling" and "How predictive scaling
 * works"; API `PredictiveScalingConfiguration`):
 * - It needs at least 24 hours of the load metric before it forecasts, and reads up to the last 14 days.
 * - The forecast is hourly: for each hour, the load, and the capacity that keeps the scaling metric at its
 *   target (for the CPU pair, `ASGTotalCPUUtilization` ÷ the target average CPU).
 * - In `ForecastAndScale` mode it raises capacity to the hour's forecast `SchedulingBufferTime` ahead
 *   (default 300 s) and never scales in: "If the forecast expects a decrease in load, predictive scaling
 *   will not scale in" (Application Auto Scaling user guide, same words for EC2). How the group combines
 *   it with dynamic policies we did not find stated; the model takes the forecast as a floor for its hour
 *   that target tracking's scale-in does not go under (what "will not scale in" means for the capacity it
 *   added), the group keeping the larger of the two. An assumption, named as one.
 * - `HonorMaxCapacity` (the default): the forecast never lifts the group's maximum.
 *
 * Hours are counted from the simulation's start (a generated trace starts at midnight; AWS's are clock
 * hours, so a replayed trace that starts mid-hour is an hour's fraction off). The forecaster itself is
 * AWS's and unpublished. This model uses the seasonal mean: an hour's load is the
 * mean of the same hour on the days recorded (up to 14). On the generated traces, whose days repeat one
 * curve with noise, that is about as good as a forecast can be, so the model judges predictive scaling
 * at its best; a real forecaster's errors would only cost more (too high) or buy less (too low).
 */
import { PREDICTIVE_SCHEDULING_BUFFER_SECONDS } from '../core/contract/names';

/** Load-metric history AWS needs before the first forecast (user guide: "at least 24 hours of data"). */
export const MIN_HISTORY_SECONDS = 24 * 3600;
/** Days of history the forecast reads ("up to the past 14 days"). */
export const MAX_HISTORY_DAYS = 14;

const HOUR = 3600;
const DAY_HOURS = 24;

/** One fleet's hourly load and its forecast capacity. */
export class HourlyForecast {
  /** Per hour since the start: the sum of the minutes' busy instances (CPU% × instances ÷ 100) and their count. */
  private readonly sums: number[] = [];
  private readonly counts: number[] = [];
  private recordedSeconds = 0;

  constructor(
    private readonly targetCpuPercent: number,
    // Instances are launched this long before the hour they are forecast for, as the stacks set it.
    private readonly bufferSeconds = PREDICTIVE_SCHEDULING_BUFFER_SECONDS,
  ) {}

  /** The load of the minute ending at `minuteEndSeconds`, as CloudWatch sums it: the instances' CPU, as busy instances. */
  record(minuteEndSeconds: number, busyInstances: number): void {
    const h = Math.floor((minuteEndSeconds - 1) / HOUR);
    this.sums[h] = (this.sums[h] ?? 0) + busyInstances;
    this.counts[h] = (this.counts[h] ?? 0) + 1;
    this.recordedSeconds = Math.max(this.recordedSeconds, minuteEndSeconds);
  }

  /** The forecast capacity for hour `h` (since the start), or undefined while there is too little history. */
  capacityForHour(h: number): number | undefined {
    if (this.recordedSeconds < MIN_HISTORY_SECONDS) return undefined;
    let sum = 0;
    let days = 0;
    for (let k = 1; k <= MAX_HISTORY_DAYS; k++) {
      const past = h - k * DAY_HOURS;
      if (past < 0) break;
      const n = this.counts[past];
      // An hour not fully in the past is not history yet.
      if (!n || (past + 1) * HOUR > this.recordedSeconds) continue;
      sum += this.sums[past] / n;
      days++;
    }
    if (days === 0) return undefined;
    return Math.ceil(((sum / days) * 100) / this.targetCpuPercent);
  }

  /**
   * The floor at `atSeconds`: the current hour's forecast, and the next hour's once within the scheduling
   * buffer of it (its instances are launched then and kept through that hour). Clamped to the group's
   * limits; undefined when there is no forecast.
   */
  floorAt(atSeconds: number, minCapacity: number, maxCapacity: number): number | undefined {
    const now = this.capacityForHour(Math.floor(atSeconds / HOUR));
    const ahead = this.capacityForHour(Math.floor((atSeconds + this.bufferSeconds) / HOUR));
    if (now === undefined && ahead === undefined) return undefined;
    return Math.min(maxCapacity, Math.max(minCapacity, now ?? 0, ahead ?? 0));
  }
}
