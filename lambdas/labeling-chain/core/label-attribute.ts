import { ValidationError } from '../../shared/errors';
import { type GroundTruthTaskType } from '../contract';
import { labelAttributeNameProblems } from './names';
import type { ChainState, DescribedJob } from './plan-model';
import type { ChainRequest } from './request';

/**
 * Step 2 of a plan: the label attribute the chain works on. The first step takes the parent's (`continue`) or the new
 * one (`relabel`); later steps keep the chain's. The name must follow the naming rules and the task type's `-ref` rule
 * from the task-type table.
 * @throws ValidationError when the request and the parent disagree or the name breaks a rule.
 */
export function chooseLabelAttribute(
  job: DescribedJob,
  request: ChainRequest,
  chain: ChainState,
  taskType: GroundTruthTaskType,
): { parentAttribute: string; attribute: string } {
  const parentAttribute = job.LabelAttributeName;
  if (parentAttribute === undefined)
    throw new ValidationError(`Labeling job ${job.LabelingJobName} has no LabelAttributeName`);
  let attribute: string;
  if (chain.jobs.length > 0) {
    attribute = chain.labelAttributeName ?? parentAttribute;
  } else if (request.mode === 'continue') {
    if (request.labelAttributeName !== undefined && request.labelAttributeName !== parentAttribute) {
      throw new ValidationError(
        `mode "continue" keeps the parent's label attribute "${parentAttribute}" (got "${request.labelAttributeName}"); use mode "relabel" for a new attribute`,
      );
    }
    attribute = parentAttribute;
  } else {
    attribute = request.labelAttributeName!;
    if (attribute === parentAttribute) {
      throw new ValidationError(
        `mode "relabel" needs a new label attribute name, not the parent's "${parentAttribute}"`,
      );
    }
  }
  const problems = labelAttributeNameProblems(attribute, taskType);
  if (problems.length > 0) throw new ValidationError(`Invalid label attribute: ${problems.join('; ')}`, problems);
  return { parentAttribute, attribute };
}
