import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { fromIni } from '@aws-sdk/credential-providers';
import { type Command } from 'commander';

/** The global AWS options every command honours (`--region`, `--profile`, `--endpoint-url`). */
export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
}

/** Client configuration shared by every SDK client the CLI creates. */
export interface ClientConfig {
  region?: string;
  endpoint?: string;
  credentials?: ReturnType<typeof fromIni>;
}

/** Register the global AWS options on the root program. */
export function addAwsOptions(program: Command): Command {
  return program
    .option('--region <region>', 'AWS Region (default: AWS_REGION or the profile)')
    .option('--profile <name>', 'named profile from ~/.aws/config')
    .option('--endpoint-url <url>', 'send every AWS call to this endpoint (a local server in tests)');
}

/** The global AWS options of a (sub)command, read from the root program. */
export function awsOptions(command: Command): AwsOptions {
  return command.optsWithGlobals<AwsOptions>();
}

/**
 * SDK client configuration from the global options. `--endpoint-url` also sets path-style S3 addressing where the
 * client supports it (local servers have no virtual-host buckets).
 */
export function clientConfig(options: AwsOptions): ClientConfig {
  const config: ClientConfig = {};
  if (options.region) config.region = options.region;
  if (options.profile) config.credentials = fromIni({ profile: options.profile });
  if (options.endpointUrl) config.endpoint = options.endpointUrl;
  return config;
}

/** Read the outputs of a deployed stack (to default an option such as an API URL). */
export async function stackOutputs(options: AwsOptions, stackName: string): Promise<Record<string, string>> {
  const client = new CloudFormationClient(clientConfig(options));
  const answer = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = answer.Stacks?.[0]?.Outputs ?? [];
  return Object.fromEntries(
    outputs.flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])),
  );
}

/**
 * An option's value, or the named output of a deployed stack when the option is not given.
 * @throws Error naming both ways to provide the value.
 */
export async function optionOrStackOutput(
  options: AwsOptions,
  value: string | undefined,
  source: { stackName: string; outputKey: string; optionName: string },
): Promise<string> {
  if (value) return value;
  const outputs = await stackOutputs(options, source.stackName);
  const fromStack = outputs[source.outputKey];
  if (!fromStack) {
    throw new Error(
      `Give ${source.optionName}, or deploy stack ${source.stackName} (output ${source.outputKey} not found)`,
    );
  }
  return fromStack;
}
