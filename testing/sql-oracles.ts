/**
 * The real tools our signatures are held to, run on the same queries: Percona's pt-fingerprint (its own
 * fingerprint function, from Debian's percona-toolkit) and libpg-query's fingerprint (the PostgreSQL
 * parser, from npm). Used by the agreement tests and `npm run bench:signature`; never by the product.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PT_FINGERPRINT = '/usr/bin/pt-fingerprint';

/**
 * pt-fingerprint's file reader skips every query that does not start with a word character (one led by
 * a comment), so its QueryRewriter::fingerprint is called directly: the script is a modulino
 * (`exit main(@ARGV) if !caller`), so `require` loads its packages without running it. Each query gets
 * what the reader does before fingerprinting (its `;` terminator chomped, `#` comment lines removed,
 * leading whitespace trimmed) and trailing whitespace trimmed, as a log's statement has none; the space
 * a removed trailing comment leaves at the end of a fingerprint is trimmed too.
 * Queries go in NUL-separated; fingerprints come out one per line.
 */
const PERL = [
  'require $ARGV[0]; my $qr = QueryRewriter->new(); local $/ = "\\0";',
  'while (my $q = <STDIN>) { chomp $q; $q =~ s/;\\s*\\z//; $q =~ s/^#.+$//mg; $q =~ s/^\\s+//; $q =~ s/\\s+\\z//;',
  'my $f = $qr->fingerprint($q); $f =~ s/\\s+/ /g; $f =~ s/ \\z//; print "$f\\n" }',
].join(' ');

export function ptFingerprintInstalled(): boolean {
  return existsSync(PT_FINGERPRINT) && !spawnSync('perl', ['-v']).error;
}

/** One fingerprint per query, in order, and how long pt-fingerprint took (process start included). */
export function ptFingerprints(queries: readonly string[]): { fingerprints: string[]; wallMs: number } {
  const input = queries.map((q) => `${q}\0`).join('');
  const t0 = performance.now();
  const run = spawnSync('perl', ['-e', PERL, PT_FINGERPRINT], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  const wallMs = performance.now() - t0;
  if (run.status !== 0) throw new Error(`pt-fingerprint failed (${run.status}): ${run.stderr.slice(0, 500)}`);
  const fingerprints = run.stdout.split('\n').slice(0, queries.length);
  if (fingerprints.length !== queries.length) throw new Error(`pt-fingerprint returned ${fingerprints.length} fingerprints for ${queries.length} queries`);
  return { fingerprints, wallMs };
}
