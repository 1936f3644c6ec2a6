/** The processor architecture of an EC2 instance type, which picks the fleet's Amazon Linux image. */
export type Architecture = 'x86_64' | 'arm64';

/**
 * Graviton types carry a `g` among the attribute letters after the generation digit (`m7g`, `c7gn`,
 * `r6gd`, `im4gn`, `is4gen`, `g5g`, `hpc7g`), and `a1` is the first Graviton; every other family is
 * x86_64, including GPU families whose *prefix* is `g` (`g4dn`, `g6e`, `gr6`) and the high-memory `u-*`
 * (EC2 instance types guide, "Instance type naming conventions").
 */
const GRAVITON_FAMILY = /^(?:a1|[a-z]+\d+[a-z]*g[a-z]*)$/;

/** The architecture of an instance type such as `m7g.2xlarge`. */
export function architectureOf(instanceType: string): Architecture {
  const family = instanceType.split('.')[0];
  return GRAVITON_FAMILY.test(family) ? 'arm64' : 'x86_64';
}

/** EC2 Mac instances run macOS only; no Amazon Linux image exists for them. */
export function isMacInstance(instanceType: string): boolean {
  return /^mac\d/.test(instanceType);
}
