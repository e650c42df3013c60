/** Options and argument parsers shared by the `mlw trips` commands (cli/commands/trips.ts). */
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type OutlierBounds,
  BOUND_LIMITS,
  DEFAULT_BOUNDS,
  DEFAULT_TIME_ZONE,
  ENGINES,
  type Engine,
  MONTH_PATTERN,
  TRIP_OUTLIERS_OUTPUTS,
} from '../../../lambdas/trip-outliers/contract';
import { stackAliasOption, stackNameOption } from '../../aws';

/** Default name of the deployed stack (`<stackPrefix>-TripOutliers`). */
export const DEFAULT_TRIPS_STACK = 'Mlw-TripOutliers';

/** Options shared by the commands that analyze. */
export interface AnalysisOptions {
  engine: Engine;
  maxDurationSeconds?: number;
  maxSpeedMph?: number;
  timeZone: string;
  month?: string;
  stackName: string;
  stateMachineArn?: string;
  pollSeconds: number;
}

/** Parser of a rule bound option: a number within {@link BOUND_LIMITS}. @throws InvalidArgumentError otherwise */
export const boundParser = (name: keyof OutlierBounds) => (value: string) => {
  const number = Number(value);
  const { min, max } = BOUND_LIMITS[name];
  if (!Number.isFinite(number) || number < min || number > max) {
    throw new InvalidArgumentError(`expected a number from ${min} to ${max}`);
  }
  return number;
};

/** Parser of a `YYYY-MM` month option. @throws InvalidArgumentError otherwise */
export const monthParser = (value: string) => {
  if (!MONTH_PATTERN.test(value)) throw new InvalidArgumentError('expected YYYY-MM');
  return value;
};

/** Add the options of the commands that analyze (engine, bounds, time zone, month, stack, state machine, polling). */
export function addAnalysisOptions(command: Command, { month = true } = {}): Command {
  command
    .addOption(
      new Option('--engine <engine>', 'duckdb (embedded, local) or athena (the deployed stack)')
        .choices(ENGINES)
        .default('duckdb'),
    )
    .option('--max-duration-seconds <s>', 'duration rule bound (default 86400)', boundParser('maxDurationSeconds'))
    .option('--max-speed-mph <mph>', 'speed rule bound (default 100)', boundParser('maxSpeedMph'))
    .option('--time-zone <zone>', 'IANA zone of the local timestamps', DEFAULT_TIME_ZONE);
  if (month)
    command.option('--month <YYYY-MM>', 'athena: the month to analyze (default: from the file name)', monthParser);
  return command
    .addOption(stackNameOption(DEFAULT_TRIPS_STACK, `athena: the ${TRIP_OUTLIERS_OUTPUTS.STATE_MACHINE_ARN} output`))
    .addOption(stackAliasOption())
    .option('--state-machine-arn <arn>', 'athena: state machine (default: output StateMachineArn of --stack-name)')
    .option('--poll-seconds <s>', 'athena: seconds between status checks', (v) => Number(v), 5);
}

/** The rule bounds of the options, defaults filled in. */
export function bounds(options: AnalysisOptions): OutlierBounds {
  return {
    maxDurationSeconds: options.maxDurationSeconds ?? DEFAULT_BOUNDS.maxDurationSeconds,
    maxSpeedMph: options.maxSpeedMph ?? DEFAULT_BOUNDS.maxSpeedMph,
  };
}
