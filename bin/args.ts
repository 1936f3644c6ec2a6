/** What the CLIs share about their options: each option's help, and the parseArgs options read from it. */
import { ParseArgsConfig } from 'node:util';

/** One option: its type, placeholder, default and meaning, for parseArgs and for --help alike. */
export interface OptionHelp {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's placeholder in the usage, for a string option. */
  readonly value?: string;
  readonly default: string;
  readonly meaning: string;
}

/** The parseArgs options of a table of option help. */
export function parseArgsOptions(table: Readonly<Record<string, OptionHelp>>): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(Object.entries(table).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }]));
}
