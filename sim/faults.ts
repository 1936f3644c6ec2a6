/**
 * The fault proxy: a port whose calls fail at the configured rate, or all fail once a sweep "dies".
 */
import { DrainStore, Fleet } from '../core/ports';
import { SimState } from './state';


/** Wraps a port so its calls fail like AWS under load, and all fail once a sweep's Lambda has "died". */
export function withFaults<T extends Fleet | DrainStore>(sim: SimState, port: T): T {
  const faults = sim.o.faults;
  if (!faults) return port;
  return new Proxy(port, {
    get: (target, key) => {
      const value = (target as any)[key];
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (sim.dyingAfter-- <= 0) throw Object.assign(new Error('Runtime exited'), { name: 'Runtime.ExitError' });
        if (sim.rng.next() < faults.apiErrorRate) {
          sim.injected.apiErrors++;
          throw sim.rng.next() < 0.5
            ? Object.assign(new Error('Rate exceeded'), { name: 'Throttling' })
            : Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
        }
        return value.apply(target, args);
      };
    },
  });
}
