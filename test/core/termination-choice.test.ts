import { CandidateLoad, chooseLeastBusy } from '../../core/termination-choice';

const c = (instanceId: string, availabilityZone = 'eu-west-1a', marketOption = 'on-demand') => ({ instanceId, availabilityZone, marketOption });
const load = (entries: Record<string, CandidateLoad>) => new Map(Object.entries(entries));

test('fewest running tasks first', () => {
  const chosen = chooseLeastBusy([{ availabilityZone: 'eu-west-1a', capacity: 2, marketOption: 'on-demand' }], [c('i-a'), c('i-b'), c('i-c')], load({ 'i-a': { runningTasks: 5 }, 'i-b': { runningTasks: 0 }, 'i-c': { runningTasks: 2 } }));
  expect(chosen).toEqual(['i-b', 'i-c']);
});

test('ties go to the oldest launch', () => {
  const chosen = chooseLeastBusy([{ availabilityZone: 'eu-west-1a', capacity: 1, marketOption: 'on-demand' }], [c('i-a'), c('i-b')], load({ 'i-a': { runningTasks: 1, launchedAt: 200 }, 'i-b': { runningTasks: 1, launchedAt: 100 } }));
  expect(chosen).toEqual(['i-b']);
});

test('an instance with no reading is never chosen before a measured one', () => {
  const chosen = chooseLeastBusy([{ availabilityZone: 'eu-west-1a', capacity: 1, marketOption: 'on-demand' }], [c('i-a'), c('i-b')], load({ 'i-b': { runningTasks: 9 } }));
  expect(chosen).toEqual(['i-b']);
});

test('capacity is honoured per zone and purchase option', () => {
  const candidates = [c('i-a1'), c('i-a2'), c('i-b1', 'eu-west-1b'), c('i-s1', 'eu-west-1a', 'spot'), c('i-s2', 'eu-west-1a', 'spot')];
  const chosen = chooseLeastBusy(
    [
      { availabilityZone: 'eu-west-1a', capacity: 1, marketOption: 'on-demand' },
      { availabilityZone: 'eu-west-1a', capacity: 1, marketOption: 'spot' },
      { availabilityZone: 'eu-west-1b', capacity: 1, marketOption: 'on-demand' },
    ],
    candidates,
    load({ 'i-a1': { runningTasks: 3 }, 'i-a2': { runningTasks: 1 }, 'i-b1': { runningTasks: 7 }, 'i-s1': { runningTasks: 0 }, 'i-s2': { runningTasks: 4 } }),
  );
  expect(chosen.sort()).toEqual(['i-a2', 'i-b1', 'i-s1']);
});

test('a bucket larger than its candidates takes what there is, never another zone', () => {
  const chosen = chooseLeastBusy([{ availabilityZone: 'eu-west-1b', capacity: 3, marketOption: 'on-demand' }], [c('i-a'), c('i-b', 'eu-west-1b')], new Map());
  expect(chosen).toEqual(['i-b']);
});

test('among equally busy instances the longest bottlenecked (a straggler) goes first, before the oldest launch', () => {
  const one = [{ availabilityZone: 'eu-west-1a', capacity: 1, marketOption: 'on-demand' }];
  const chosen = chooseLeastBusy(one, [c('i-a'), c('i-b'), c('i-c')], load({ 'i-a': { runningTasks: 1, launchedAt: 100 }, 'i-b': { runningTasks: 1, launchedAt: 300, bottleneckedMinutes: 40 }, 'i-c': { runningTasks: 1, launchedAt: 200, bottleneckedMinutes: 5 } }));
  expect(chosen).toEqual(['i-b']);
  // Never ahead of a less busy instance: the fewest tasks still decide first.
  expect(chooseLeastBusy(one, [c('i-a'), c('i-b')], load({ 'i-a': { runningTasks: 0 }, 'i-b': { runningTasks: 1, bottleneckedMinutes: 60 } }))).toEqual(['i-a']);
});

test('among equally busy instances the one whose oldest task is youngest goes first: a long-running task is the one a drain would kill', () => {
  const one = [{ availabilityZone: 'eu-west-1a', capacity: 1, marketOption: 'on-demand' }];
  const chosen = chooseLeastBusy(one, [c('i-a'), c('i-b'), c('i-c')], load({ 'i-a': { runningTasks: 1, launchedAt: 100, oldestTaskAgeSeconds: 540 }, 'i-b': { runningTasks: 1, launchedAt: 300, oldestTaskAgeSeconds: 12 }, 'i-c': { runningTasks: 1, launchedAt: 200 } }));
  // i-c's age is unknown: never taken for young, so it comes after both measured ages despite its earlier launch.
  expect(chosen).toEqual(['i-b']);
  expect(chooseLeastBusy([{ ...one[0], capacity: 3 }], [c('i-a'), c('i-b'), c('i-c')], load({ 'i-a': { runningTasks: 1, oldestTaskAgeSeconds: 540 }, 'i-b': { runningTasks: 1, oldestTaskAgeSeconds: 12 }, 'i-c': { runningTasks: 1 } }))).toEqual(['i-b', 'i-a', 'i-c']);
  // The count still decides first, and a straggler still goes before a younger task.
  expect(chooseLeastBusy(one, [c('i-a'), c('i-b')], load({ 'i-a': { runningTasks: 1, oldestTaskAgeSeconds: 900 }, 'i-b': { runningTasks: 2, oldestTaskAgeSeconds: 1 } }))).toEqual(['i-a']);
  expect(chooseLeastBusy(one, [c('i-a'), c('i-b')], load({ 'i-a': { runningTasks: 1, oldestTaskAgeSeconds: 900, bottleneckedMinutes: 20 }, 'i-b': { runningTasks: 1, oldestTaskAgeSeconds: 1 } }))).toEqual(['i-a']);
});
