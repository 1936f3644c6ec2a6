/**
 * The in-service readings a worker's agent has not yet sent to the fleet's readings queue. It holds at
 * most one message's worth (MAX_READINGS_PER_MESSAGE): past that the oldest go, and are counted, so a
 * queue that refuses for long costs the agent one message of memory and loses the oldest minutes first.
 */
import { MAX_READINGS_PER_MESSAGE, WorkerReading } from '../core/worker-readings';

export class PendingReadings {
  private readings: WorkerReading[] = [];
  private droppedCount = 0;

  /** Readings waiting to be sent. */
  get length(): number {
    return this.readings.length;
  }

  /** Readings dropped because SQS refused them for longer than the buffer holds. */
  get dropped(): number {
    return this.droppedCount;
  }

  add(reading: WorkerReading): void {
    this.readings.push(reading);
    this.dropOldest();
  }

  /**
   * Takes every reading out, to be sent. What is sent is taken out first: a round that runs while the
   * send is in flight (one that overran its limit) keeps its reading in the fresh list, never in the one
   * being sent.
   */
  take(): WorkerReading[] {
    const taken = this.readings;
    this.readings = [];
    return taken;
  }

  /** Puts back readings whose send failed, in front of anything read meanwhile; the oldest dropped past the limit. */
  putBack(readings: readonly WorkerReading[]): void {
    this.readings = [...readings, ...this.readings];
    this.dropOldest();
  }

  /** Forgets every reading (they are in-service readings; once terminating, CloudWatch carries every round). */
  clear(): void {
    this.readings = [];
  }

  private dropOldest(): void {
    const excess = this.readings.length - MAX_READINGS_PER_MESSAGE;
    if (excess > 0) {
      this.readings.splice(0, excess);
      this.droppedCount += excess;
    }
  }
}
