import { type App, Aspects, type Environment, Tags } from 'aws-cdk-lib';
import { type AppConfig, parseConfig } from './config';
import { LOG_RETENTION_CONTEXT_KEY } from './shared/logs';
import { applyNag } from './shared/nag';
import { TraceEveryFunction } from './shared/tracing';
import { ActiveLearningStack } from './stacks/active-learning-stack';
import { CustomLabelsAssistStack } from './stacks/custom-labels-assist-stack';
import { CiDeployAccessStack } from './stacks/ci-deploy-access-stack';
import { ClassifierRetrainingStack } from './stacks/classifier-retraining-stack';
import { ExampleStack } from './stacks/example-stack';
import { GitLabMlopsStack } from './stacks/gitlab-mlops-stack';
import { LabelingChainStack } from './stacks/labeling-chain-stack';
import { ReviewPortalStack } from './stacks/review-portal-stack';
import { StreamingAnomalyStack } from './stacks/streaming-anomaly-stack';
import { TripOutliersStack } from './stacks/trip-outliers-stack';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** Apply cdk-nag (AwsSolutions + Serverless). @default true */
  readonly nag?: boolean;
}

/**
 * Compose the CDK app: validate configuration, add one stack per enabled workflow, tag everything and apply
 * cdk-nag. Stacks are environment-agnostic unless `account` and `region` are configured.
 */
export function buildApp(app: App, options: BuildAppOptions = {}): { app: App; config: AppConfig } {
  const config = parseConfig(app.node.getAllContext() as Record<string, unknown>);
  app.node.setContext(LOG_RETENTION_CONTEXT_KEY, config.logRetentionDays);
  const env: Environment | undefined =
    config.account !== undefined || config.region !== undefined
      ? { account: config.account, region: config.region }
      : undefined;
  const name = (workflow: string) => `${config.stackPrefix}-${workflow}`;

  if (config.example.enabled) {
    new ExampleStack(app, name('Example'), {
      env,
      config: config.example,
      description: 'ml-workflows: example JSON-lines inspector',
    });
  }
  // The review portal comes first: the active-learning loop hands its reviews to it (activeLearning.review=portal).
  const reviewPortal = config.reviewPortal.enabled
    ? new ReviewPortalStack(app, name('ReviewPortal'), {
        env,
        config: config.reviewPortal,
        // Images of the Custom Labels assist runs live in the portal's image store (the page may show only those).
        imageStore: config.customLabelsAssist.enabled && config.customLabelsAssist.review === 'portal',
        description: 'ml-workflows: human review portal (task queue, API, web page)',
      })
    : undefined;
  if (config.activeLearning.enabled) {
    const activeLearning = new ActiveLearningStack(app, name('ActiveLearning'), {
      env,
      config: config.activeLearning,
      reviewBackend: reviewPortal?.portal,
      description: 'ml-workflows: active-learning feedback loop for Comprehend custom classification',
    });
    // Retraining closes the loop: it reads the loop's bucket and classifier parameter through its public fields.
    if (config.classifierRetraining.enabled) {
      new ClassifierRetrainingStack(app, name('ClassifierRetraining'), {
        env,
        config: config.classifierRetraining,
        loop: activeLearning.loop,
        description: 'ml-workflows: Comprehend classifier retraining (closes the active-learning loop)',
      });
    }
  }
  if (config.labelingChain.enabled) {
    new LabelingChainStack(app, name('LabelingChain'), {
      env,
      config: config.labelingChain,
      description: 'ml-workflows: Ground Truth labeling job chaining',
    });
  }

  if (config.customLabelsAssist.enabled) {
    new CustomLabelsAssistStack(app, name('CustomLabelsAssist'), {
      env,
      config: config.customLabelsAssist,
      reviewPortal: reviewPortal?.portal,
      description: 'ml-workflows: Rekognition Custom Labels model-assisted annotation with human verification',
    });
  }

  if (config.gitlabMlops.enabled) {
    new GitLabMlopsStack(app, name('GitLabMlops'), {
      env,
      config: config.gitlabMlops,
      stackPrefix: config.stackPrefix,
      account: config.account,
      region: config.region,
      description: 'ml-workflows: GitLab MLOps SageMaker project template (Service Catalog)',
    });
  }

  if (config.streamingAnomaly.enabled) {
    new StreamingAnomalyStack(app, name('StreamingAnomaly'), {
      env,
      config: config.streamingAnomaly,
      description: 'ml-workflows: streaming traffic anomaly pipeline',
    });
  }

  if (config.ciDeployAccess.enabled) {
    const ci = config.ciDeployAccess;
    new CiDeployAccessStack(app, name('CiDeployAccess'), {
      env,
      config: ci,
      stackPrefix: config.stackPrefix,
      description: 'ml-workflows: keyless (OIDC) deploy and diff roles for CI pipelines',
    });
  }

  if (config.tripOutliers.enabled) {
    new TripOutliersStack(app, name('TripOutliers'), {
      env,
      config: config.tripOutliers,
      description: 'ml-workflows: trip outlier analysis (Athena over a Glue table, HTML report)',
    });
  }

  Aspects.of(app).add(new TraceEveryFunction());
  Tags.of(app).add('ml-workflows:app', 'ml-workflows');
  for (const [key, value] of Object.entries(config.tags)) Tags.of(app).add(key, value);
  if (options.nag !== false) applyNag(app);
  return { app, config };
}
