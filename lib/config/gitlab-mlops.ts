import { z } from 'zod';
import { DELETE_POLICIES } from '../../lambdas/gitlab-mlops/contract';
import { arn, bool, stringList } from './schema-helpers';

const secretName = z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'expected a Secrets Manager secret name');
const groupPath = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*[A-Za-z0-9_]$/, 'expected a group path such as ml/team-a');

/** Configuration of the GitLab MLOps SageMaker project template (a Service Catalog portfolio and product). */
export const gitlabMlopsConfigSchema = z
  .object({
    /** Deploy the GitLab MLOps stack. */
    enabled: bool().default(true),
    /** Base URL of the GitLab server (https). The OIDC trust of every project names this host. */
    gitlabUrl: z
      .string()
      .regex(
        /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~-]+)*$/,
        'expected an https URL without a trailing slash, e.g. https://gitlab.example.com',
      )
      .default('https://gitlab.com'),
    /** ARN of an existing IAM OIDC identity provider for the GitLab host; unset creates one (one per host and account). */
    oidcProviderArn: arn('iam', 'oidc-provider/').optional(),
    /** Audience (`aud`) the pipelines request in `id_tokens` and the roles require; unset means the GitLab URL. */
    oidcAudience: z.string().min(1).optional(),
    /** Id of an existing Service Catalog portfolio (`port-…`) to add the product to; unset creates a portfolio. */
    portfolioId: z
      .string()
      .regex(/^port-[a-z0-9]{10,20}$/, 'expected a portfolio id such as port-abcdefghij123')
      .optional(),
    /** Display name of the created portfolio. */
    portfolioName: z.string().min(1).max(100).default('SageMaker MLOps templates'),
    /** Owner shown on the portfolio and the product. */
    owner: z.string().min(1).max(8191).default('ML platform team'),
    /** Product (template) name shown in SageMaker Studio. */
    productName: z.string().min(1).max(8191).default('MLOps with GitLab: model build, train and deploy'),
    /** Product version name; change it whenever the template changes so Studio users see a new version. */
    productVersion: z.string().min(1).max(100).default('v1'),
    /** IAM role ARNs (SageMaker Studio execution roles) given access to the portfolio. */
    studioRoleArns: stringList(arn('iam', 'role/')).default([]),
    /** Protected branch the pipelines run on; the build and deploy roles trust only this branch. */
    branch: z
      .string()
      .regex(/^[A-Za-z0-9._/-]{1,255}$/, 'expected a branch name')
      .default('main'),
    /** What happens to the GitLab projects when a SageMaker project is deleted. */
    deletePolicy: z.enum(DELETE_POLICIES).default('retain'),
    /**
     * Name of the Secrets Manager secret with the GitLab token: the launch parameter's default, and always allowed.
     */
    tokenSecretName: secretName.default('gitlab/mlops-token'),
    /**
     * More secrets a launch may choose (the `GitLabTokenSecretName` parameter). The product's functions may read
     * exactly `tokenSecretName` and these; a launch naming another secret fails. The portfolio administrator decides,
     * never the launching user.
     */
    allowedTokenSecretNames: stringList(secretName).default([]),
    /** Default GitLab group (namespace full path) of the repositories (a launch parameter can change it). */
    defaultGroupPath: groupPath.optional(),
    /**
     * GitLab groups a launch may put the repositories in (the `GitLabGroupPath` parameter). Empty: any group the token
     * can reach (the token's own GitLab permissions are the limit).
     */
    allowedGroupPaths: stringList(groupPath).default([]),
    /**
     * Name of the S3 bucket that holds the product's assets (Lambda code, seed archive). Service Catalog products
     * need a literal name; unset derives `<stackPrefix>-gitlab-mlops-assets-<account>-<region>` when account and
     * region are configured, else `<stackPrefix>-gitlab-mlops-assets` (set this key: bucket names are global).
     */
    assetBucketName: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)',
      )
      .optional(),
    /** VPC of the handlers (self-managed GitLab reachable only inside a VPC); with `subnetIds` and `securityGroupIds`. */
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]{8,17}$/, 'expected a VPC id such as vpc-0123456789abcdef0')
      .optional(),
    /** Subnets of the handlers (private subnets with a route to GitLab and to the AWS APIs). */
    subnetIds: stringList(
      z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'expected a subnet id such as subnet-0123456789abcdef0'),
    ).default([]),
    /** Security groups of the handlers (outbound HTTPS to GitLab and the AWS APIs). */
    securityGroupIds: stringList(
      z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'expected a security group id such as sg-0123456789abcdef0'),
    ).default([]),
  })
  .strict()
  .refine(
    (c) =>
      (c.vpcId === undefined) === (c.subnetIds.length === 0) &&
      (c.vpcId === undefined) === (c.securityGroupIds.length === 0),
    {
      message: 'vpcId, subnetIds and securityGroupIds go together: set all three (handlers in a VPC) or none',
      path: ['vpcId'],
    },
  )
  .refine(
    (c) =>
      c.defaultGroupPath === undefined ||
      c.allowedGroupPaths.length === 0 ||
      c.allowedGroupPaths.includes(c.defaultGroupPath),
    {
      message: 'expected one of allowedGroupPaths (a launch could not use its own default)',
      path: ['defaultGroupPath'],
    },
  );

/** Validated GitLab MLOps configuration. */
export type GitLabMlopsConfig = z.infer<typeof gitlabMlopsConfigSchema>;
