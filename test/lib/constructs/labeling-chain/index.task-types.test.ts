import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  BUILT_IN_TASK_LAMBDA_MAPPING,
  BUILT_IN_TASK_LAMBDA_REGIONS,
  GROUND_TRUTH_TASK_TYPES,
} from '../../../../lambdas/labeling-chain/contract';
import { taskTypeOfJob } from '../../../../lambdas/labeling-chain/core/task-types';
import { LabelingJobChain } from '../../../../lib/constructs/labeling-chain';

describe('the built-in Lambda mapping is the task-type table', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Chain');
  new LabelingJobChain(stack, 'Chain');
  const template = Template.fromStack(stack);
  const mappings = template.toJSON() as { Mappings: Record<string, Record<string, { account: string }>> };
  const [mapping] = Object.values(mappings.Mappings);

  it('maps exactly the Regions of the table, each to its account', () => {
    template.hasMapping('*', { ...BUILT_IN_TASK_LAMBDA_MAPPING });
    expect(Object.keys(mapping!).sort()).toEqual([...BUILT_IN_TASK_LAMBDA_REGIONS].sort());
  });

  it('resolves, in every mapped Region, the PRE- and ACS- Lambdas of every built-in task type the planner knows', () => {
    for (const [region, { account }] of Object.entries(mapping!)) {
      for (const row of GROUND_TRUTH_TASK_TYPES.filter((t) => t.kind !== 'custom')) {
        const arn = (kind: string) => `arn:aws:lambda:${region}:${account}:function:${kind}-${row.name}`;
        const found = taskTypeOfJob({
          PreHumanTaskLambdaArn: arn('PRE'),
          AnnotationConsolidationConfig: { AnnotationConsolidationLambdaArn: arn('ACS') },
        });
        expect([region, found.name]).toEqual([region, row.name]);
      }
    }
  });
});
