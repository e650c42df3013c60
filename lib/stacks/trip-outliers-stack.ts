import { CfnOutput, Duration, Size, Stack, type StackProps } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { TRIP_OUTLIERS_OUTPUTS } from '../../lambdas/trip-outliers/contract';
import { type TripOutliersConfig } from '../config/trip-outliers';
import { TripOutlierAnalysis } from '../constructs/trip-outliers';

/** Props of {@link TripOutliersStack}. */
export interface TripOutliersStackProps extends StackProps {
  /** The `tripOutliers` configuration section. */
  readonly config: TripOutliersConfig;
}

/** Thin stack around {@link TripOutlierAnalysis}. */
export class TripOutliersStack extends Stack {
  /** The workflow. */
  public readonly analysis: TripOutlierAnalysis;

  constructor(scope: Construct, id: string, props: TripOutliersStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.analysis = new TripOutlierAnalysis(this, 'Analysis', {
      databaseName: config.databaseName,
      workGroupName: config.workGroupName,
      bytesScannedCutoffPerQuery: Size.mebibytes(Math.round(config.bytesScannedCutoffGiB * 1024)),
      bounds: { maxDurationSeconds: config.maxDurationSeconds, maxSpeedMph: config.maxSpeedMph },
      timeZone: config.timeZone,
      sourceBaseUrl: config.sourceBaseUrl,
      queryResultsRetention: Duration.days(config.queryResultsRetentionDays),
    });
    new CfnOutput(this, TRIP_OUTLIERS_OUTPUTS.STATE_MACHINE_ARN, {
      value: this.analysis.stateMachine.stateMachineArn,
      description: 'Run a month: mlw trips ingest --month YYYY-MM --engine athena',
    });
    new CfnOutput(this, TRIP_OUTLIERS_OUTPUTS.DATA_BUCKET, {
      value: this.analysis.dataBucket.bucketName,
      description: 'Raw files, run tables, query results and reports (reports/<month>/<run>/report.html)',
    });
    new CfnOutput(this, TRIP_OUTLIERS_OUTPUTS.DATABASE, {
      value: this.analysis.databaseName,
      description: 'Glue database: trips_raw, the views trips_normalized/flagged/cleaned',
    });
    new CfnOutput(this, TRIP_OUTLIERS_OUTPUTS.WORKGROUP, {
      value: this.analysis.workGroupName,
      description: 'Athena workgroup with the saved queries of each step',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.analysis.operations.alarmTopic.topicArn,
      description: 'Alarms of the trip outlier analysis',
    });
  }
}
