/** Approval states of a model package version. */
export type ApprovalStatus = 'Approved' | 'Rejected' | 'PendingManualApproval';

/** The part of a "SageMaker Model Package State Change" event the trigger needs. */
export interface ModelPackageChange {
  readonly groupName: string;
  readonly arn: string;
  readonly version: number;
  readonly status: ApprovalStatus;
}

/** An approved version of the group (from `ListModelPackages`). */
export interface ApprovedVersion {
  readonly arn: string;
  readonly version: number;
}

/** What the trigger does. */
export type DeployDecision =
  | {
      readonly action: 'deploy';
      readonly reason: 'approved' | 'rollback';
      readonly arn: string;
      readonly version: number;
      readonly detail: string;
    }
  | { readonly action: 'ignore'; readonly detail: string }
  | { readonly action: 'rollback-impossible'; readonly detail: string };

/** Does the decision need the list of approved versions (so the handler calls ListModelPackages only then)? */
export function needsApprovedVersions(change: ModelPackageChange, deployedArns: readonly string[]): boolean {
  return change.status === 'Rejected' && deployedArns.includes(change.arn);
}

/**
 * Decide what a model package state change means for deployment:
 * - `Approved` → deploy that version;
 * - `Rejected` of a version that an endpoint stack currently serves → roll back to the latest (highest version)
 *   approved version that remains, or report that none remains;
 * - `Rejected` of a version that is not deployed, `PendingManualApproval`, or another group → nothing.
 */
export function decideDeployment(
  change: ModelPackageChange,
  expectedGroup: string,
  deployedArns: readonly string[],
  approved: readonly ApprovedVersion[] = [],
): DeployDecision {
  if (change.groupName !== expectedGroup) {
    return {
      action: 'ignore',
      detail: `model package group ${change.groupName} is not this project's group ${expectedGroup}`,
    };
  }
  switch (change.status) {
    case 'PendingManualApproval':
      return { action: 'ignore', detail: `version ${change.version} awaits approval` };
    case 'Approved':
      return {
        action: 'deploy',
        reason: 'approved',
        arn: change.arn,
        version: change.version,
        detail: `version ${change.version} was approved`,
      };
    case 'Rejected': {
      if (!deployedArns.includes(change.arn)) {
        return { action: 'ignore', detail: `rejected version ${change.version} is not deployed` };
      }
      const target = approved
        .filter((candidate) => candidate.arn !== change.arn)
        .reduce<ApprovedVersion | undefined>(
          (best, candidate) => (best === undefined || candidate.version > best.version ? candidate : best),
          undefined,
        );
      if (!target) {
        return {
          action: 'rollback-impossible',
          detail: `deployed version ${change.version} was rejected and no approved version remains in ${expectedGroup}; approve a version or delete the endpoint stacks`,
        };
      }
      return {
        action: 'deploy',
        reason: 'rollback',
        arn: target.arn,
        version: target.version,
        detail: `deployed version ${change.version} was rejected; rolling back to version ${target.version}`,
      };
    }
  }
}
