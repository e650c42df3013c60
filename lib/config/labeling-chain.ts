import { z } from 'zod';
import { DEFAULT_MAX_CHAIN_LENGTH, MAX_CHAIN_LENGTH_LIMIT } from '../../lambdas/labeling-chain/contract';
import { arn, bool, int, stringList } from './schema-helpers';

/** Configuration of the Ground Truth job chain (`labelingChain` in context). */
export const labelingChainConfigSchema = z
  .object({
    /** Deploy the labeling-chain stack. */
    enabled: bool().default(true),
    /** Jobs one execution may create before it stops (1–10); a request may ask for fewer. */
    maxChainLength: int({ min: 1, max: MAX_CHAIN_LENGTH_LIMIT }).default(DEFAULT_MAX_CHAIN_LENGTH),
    /**
     * Seconds between two `DescribeLabelingJob` calls while a chained job runs (60–86,400). Unset: one hour, or longer
     * when `maxChainLength` needs it to keep an execution within Step Functions' 25,000-event history.
     */
    pollIntervalSeconds: int({ min: 60, max: 86_400 }).optional(),
    /** Start the chain automatically when a job tagged `ml-workflows:auto-chain=true` ends Stopped or Failed. */
    autoContinue: bool().default(true),
    /**
     * IAM role ARNs the state machine may pass to SageMaker as a chained job's role (the parent's role). Empty: any
     * role of the deploying account, only to sagemaker.amazonaws.com.
     */
    passRoleArns: stringList(arn('iam', 'role/')).default([]),
    /**
     * Buckets whose every object the planner may read (manifests outside `…/manifests/output/output.manifest`, such
     * as imported third-party labels). Output manifests of any bucket are always readable.
     */
    manifestBuckets: stringList(
      z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
    ).default([]),
    /** KMS keys that encrypt the manifest buckets (the planner gets kms:Decrypt through S3 only). */
    manifestKmsKeyArns: stringList(arn('kms', 'key/')).default([]),
  })
  .strict();

/** Validated labeling-chain configuration. */
export type LabelingChainConfig = z.infer<typeof labelingChainConfigSchema>;
