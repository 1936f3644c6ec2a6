import { vcpusOf } from '../../core/instance-vcpus';

test('vCPUs from the usual size scale (EC2 instance type specifications)', () => {
  expect(vcpusOf('m7i.large')).toBe(2);
  expect(vcpusOf('m7i.xlarge')).toBe(4);
  expect(vcpusOf('m7i.2xlarge')).toBe(8);
  expect(vcpusOf('c7g.16xlarge')).toBe(64);
  expect(vcpusOf('r6i.32xlarge')).toBe(128);
});

test('no answer where the size does not say: metal, medium and smaller, the HPC and high-memory families', () => {
  for (const t of ['m7i.metal-24xl', 'm5.metal', 't3.medium', 't3.small', 'hpc6a.48xlarge', 'hpc6id.32xlarge', 'u-6tb1.56xlarge', 'not a type']) expect(vcpusOf(t)).toBeUndefined();
});
