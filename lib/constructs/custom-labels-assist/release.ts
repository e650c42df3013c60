import { aws_iam as iam } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { nagResourceName } from '../../shared/grants';
import { type HandlerFunction } from '../../shared/handler-function';
import { acknowledge } from '../../shared/nag';

/**
 * `states:DescribeExecution` on the assist state machine's executions for `ReleaseModel` (is the run that holds a usage
 * record still live?). A policy of its own, not the role's default policy: the function's resource depends on its
 * default policy, the state machine on the function, so a grant naming the state machine there would be a cycle.
 */
export function grantDescribeExecutions(scope: Construct, fn: HandlerFunction, executionArns: string): void {
  const policy = new iam.Policy(scope, 'ReleaseModelDescribeExecutions', {
    statements: [new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executionArns] })],
  });
  policy.attachToRole(fn.role!);
  acknowledge(
    policy,
    "Executions are created at run time; the grant is limited to this state machine's executions.",
    `AwsSolutions-IAM5[Resource::${nagResourceName(scope, executionArns)}]`,
  );
}
