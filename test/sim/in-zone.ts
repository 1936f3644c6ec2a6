/**
 * Parses stdin as a trace (`trace`), an hourly profile (`hourly`) or a query history (`history`) and
 * prints the result as JSON with the time zone's offset in January, so a test can run the parsers under
 * another TZ (in a child process: Jest's sandboxed process.env does not reach Node's time zone).
 */
import { readFileSync } from 'fs';
import { parseHourlyProfile } from '../../sim/hourly-profile';
import { parseHistory } from '../../workload/history';
import { parseTrace } from '../../sim/trace';

const text = readFileSync(0, 'utf8');
const kind = process.argv[2];
const parsed = kind === 'hourly' ? parseHourlyProfile(text) : kind === 'history' ? parseHistory(text) : parseTrace(text);
process.stdout.write(JSON.stringify({ januaryOffsetMinutes: new Date(2024, 0, 1).getTimezoneOffset(), ...parsed }));
