import {
  Duration,
  Stack,
  aws_lambda as lambda,
  aws_stepfunctions as sfn,
  aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { runStateMachine, synthesizedDefinition } from './state-machine';
import { testApp } from './app';

/** A small state machine with a Lambda task, a retry, a Wait and a Choice, to prove the helper on real synth output. */
function stackWithStateMachine(): Stack {
  const stack = new Stack(testApp(), 'Sfn');
  const fn = new lambda.Function(stack, 'Doubler', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async (e) => ({ value: e.value * 2 });'),
  });
  const double = new tasks.LambdaInvoke(stack, 'Double', {
    lambdaFunction: fn,
    payloadResponseOnly: true,
    resultPath: '$.doubled',
  });
  double.addRetry({ errors: ['Flaky'], maxAttempts: 2, interval: Duration.seconds(30) });
  const wait = new sfn.Wait(stack, 'Pause', { time: sfn.WaitTime.duration(Duration.minutes(10)) });
  const big = new sfn.Succeed(stack, 'Big');
  const small = new sfn.Fail(stack, 'Small', { error: 'TooSmall', cause: 'value too small' });
  const definition = double
    .next(wait)
    .next(
      new sfn.Choice(stack, 'IsBig').when(sfn.Condition.numberGreaterThan('$.doubled.value', 10), big).otherwise(small),
    );
  new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(definition) });
  return stack;
}

describe('state-machine test helper', () => {
  const definition = synthesizedDefinition(stackWithStateMachine(), 'Machine');

  it('renders the synthesized definition with intrinsic functions resolved', () => {
    expect(definition.StartAt).toBe('Double');
    expect(JSON.stringify(definition)).toContain('arn:aws:lambda:us-east-1:123456789012:function:Doubler');
  });

  it('runs it locally with mocked tasks, zeroed waits and retries', async () => {
    let calls = 0;
    const result = await runStateMachine(
      definition,
      { value: 6 },
      {
        taskResourceLocalHandlers: {
          Double: async (input: unknown) => {
            calls += 1;
            if (calls === 1) throw Object.assign(new Error('try again'), { name: 'Flaky' });
            return { value: (input as { value: number }).value * 2 };
          },
        },
      },
    );
    expect(result).toEqual({ value: 6, doubled: { value: 12 } });
    expect(calls).toBe(2);
  });

  it('surfaces a Fail state as a rejected execution', async () => {
    await expect(
      runStateMachine(definition, { value: 1 }, { taskResourceLocalHandlers: { Double: async () => ({ value: 2 }) } }),
    ).rejects.toMatchObject({ error: 'TooSmall', cause: 'value too small' });
  });
});
