import {
  type ModelPackageChange,
  decideDeployment,
  needsApprovedVersions,
} from '../../../../lambdas/gitlab-mlops/core/deploy-decision';

const GROUP = 'churn-p-abc123';
const arn = (v: number) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/${GROUP}/${v}`;
const change = (version: number, status: ModelPackageChange['status'], groupName = GROUP): ModelPackageChange => ({
  groupName,
  arn: arn(version),
  version,
  status,
});

describe('decideDeployment', () => {
  it('deploys an approved version', () => {
    expect(decideDeployment(change(3, 'Approved'), GROUP, [])).toEqual({
      action: 'deploy',
      reason: 'approved',
      arn: arn(3),
      version: 3,
      detail: 'version 3 was approved',
    });
  });

  it('ignores versions awaiting approval and other groups', () => {
    expect(decideDeployment(change(3, 'PendingManualApproval'), GROUP, [arn(3)]).action).toBe('ignore');
    expect(decideDeployment(change(3, 'Approved', 'other-group'), GROUP, []).action).toBe('ignore');
  });

  it('ignores the rejection of a version that is not deployed', () => {
    expect(decideDeployment(change(4, 'Rejected'), GROUP, [arn(3)], [{ arn: arn(3), version: 3 }])).toMatchObject({
      action: 'ignore',
      detail: 'rejected version 4 is not deployed',
    });
    expect(needsApprovedVersions(change(4, 'Rejected'), [arn(3)])).toBe(false);
  });

  it('rolls back to the highest remaining approved version when the deployed version is rejected', () => {
    const approved = [
      { arn: arn(2), version: 2 },
      { arn: arn(5), version: 5 },
      { arn: arn(4), version: 4 },
      { arn: arn(6), version: 6 },
    ];
    expect(needsApprovedVersions(change(6, 'Rejected'), [arn(6)])).toBe(true);
    // The rejected version itself is excluded even if the list is stale and still shows it approved.
    expect(decideDeployment(change(6, 'Rejected'), GROUP, [arn(6)], approved)).toEqual({
      action: 'deploy',
      reason: 'rollback',
      arn: arn(5),
      version: 5,
      detail: 'deployed version 6 was rejected; rolling back to version 5',
    });
  });

  it('reports when no approved version remains to roll back to', () => {
    expect(decideDeployment(change(1, 'Rejected'), GROUP, [arn(1)], [])).toMatchObject({
      action: 'rollback-impossible',
    });
  });
});
