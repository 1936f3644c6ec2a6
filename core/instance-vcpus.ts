/**
 * An EC2 instance type's vCPUs from its size, for the families whose sizes follow the usual scale
 * (Amazon EC2 instance types, "Instance type specifications": large 2, xlarge 4, N·xlarge 4N, as in
 * m7i.2xlarge 8 and c7g.16xlarge 64). Undefined where the size does not say (metal, medium and smaller,
 * which differ by family) and for the families that do not follow the scale (the HPC ones: hpc6a.48xlarge
 * has 96 and hpc6id.32xlarge 64, one vCPU a core; the high-memory u-*): a caller then does without.
 */
export function vcpusOf(instanceType: string): number | undefined {
  if (/^(hpc|u-)/.test(instanceType)) return undefined;
  const size = /^[a-z0-9-]+\.(\d*)(x?large)$/.exec(instanceType);
  if (!size) return undefined;
  if (size[2] === 'large') return size[1] === '' ? 2 : undefined;
  const n = size[1] === '' ? 1 : Number(size[1]);
  return Number.isInteger(n) && n > 0 && n <= 64 ? 4 * n : undefined;
}
