import { parseConfig } from '../../../lib/config';
import { TripOutliersStack } from '../../../lib/stacks/trip-outliers-stack';
import { validationFindings } from '../../helpers/validation';

/** cdk-nag (AwsSolutions + Serverless), cfn-guard and the CloudFormation schemas over the trip-outliers stack alone. */
function violations(context: Record<string, unknown>): string[] {
  return validationFindings(
    (app) => new TripOutliersStack(app, 'Mlw-TripOutliers', { config: parseConfig(context).tripOutliers }),
    'mlw-trips-nag-',
  );
}

describe('trip-outliers compliance (cdk-nag AwsSolutions + Serverless, CloudFormation schemas)', () => {
  it('the default stack has no unacknowledged finding', () => {
    expect(violations({})).toEqual([]);
  });

  it('nor does a configured one', () => {
    expect(
      violations({
        'tripOutliers.databaseName': 'taxi',
        'tripOutliers.workGroupName': 'taxi-analysis',
        'tripOutliers.bytesScannedCutoffGiB': '0.5',
      }),
    ).toEqual([]);
  });
});
