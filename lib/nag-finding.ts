import { Stack } from 'aws-cdk-lib';

/**
 * cdk-nag names an IAM5 finding after the resource string with intrinsics flattened: `Ref X` → `<X>`,
 * `GetAtt X.Y` → `<X.Y>`, `Fn::Join` concatenated, pseudo parameters as `<AWS::Region>`. Building the same
 * string here lets an acknowledgement name exactly one finding, whatever the stack's region.
 */
export function nagResourceFinding(scope: Stack, value: string): string {
  return `Resource::${flatten(scope.resolve(value))}`;
}

function flatten(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node && typeof node === 'object') {
    const o = node as Record<string, any>;
    if (o['Fn::Join']) return (o['Fn::Join'][1] as unknown[]).map(flatten).join(o['Fn::Join'][0]);
    if (o['Fn::GetAtt']) return `<${flatten(o['Fn::GetAtt'][0])}.${flatten(o['Fn::GetAtt'][1])}>`;
    if (o.Ref) return `<${flatten(o.Ref)}>`;
    if (o['Fn::Sub']) return flatten(o['Fn::Sub']);
  }
  return JSON.stringify(node);
}
