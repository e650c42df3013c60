/** `mlw trips --engine athena`: a run of the deployed state machine. */
import { type Command } from 'commander';
import { TRIP_OUTLIERS_OUTPUTS } from '../../../lambdas/trip-outliers/contract';
import { type TripSummary } from '../../../lambdas/trip-outliers/core/report';
import { awsOptions, clientConfig, explainErrors, optionOrStackOutput } from '../../aws';
import { type AnalysisOptions } from './options';

/** What a run of the deployed state machine ends with. */
export interface AthenaRunOutput {
  readonly runId: string;
  readonly month: string;
  readonly summary: TripSummary;
  readonly report: { readonly html: string; readonly json: string };
}

/** Start the deployed state machine for a month and wait for its end. */
export async function runOnAthena(month: string, options: AnalysisOptions, command: Command): Promise<AthenaRunOutput> {
  const { SFNClient, StartExecutionCommand, DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
  const global = awsOptions(command);
  const stateMachineArn = await optionOrStackOutput(global, options.stateMachineArn, {
    stackName: options.stackName,
    outputKey: TRIP_OUTLIERS_OUTPUTS.STATE_MACHINE_ARN,
    optionName: '--state-machine-arn',
  });
  const client = explainErrors(new SFNClient(clientConfig(global)), global);
  const input = {
    month,
    ...(options.maxDurationSeconds !== undefined ? { maxDurationSeconds: options.maxDurationSeconds } : {}),
    ...(options.maxSpeedMph !== undefined ? { maxSpeedMph: options.maxSpeedMph } : {}),
  };
  const started = await client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  process.stderr.write(`started ${started.executionArn}\n`);
  for (;;) {
    const execution = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    if (execution.status === 'SUCCEEDED') return JSON.parse(execution.output ?? '{}') as AthenaRunOutput;
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      throw new Error(
        `Execution ${started.executionArn} ${execution.status}: ${execution.error ?? ''}${execution.cause ? `: ${execution.cause}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.pollSeconds * 1000));
  }
}
