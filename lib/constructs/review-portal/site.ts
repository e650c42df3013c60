import {
  DockerImage,
  Duration,
  RemovalPolicy,
  aws_cloudfront as cloudfront,
  aws_cloudfront_origins as origins,
  type aws_s3 as s3,
  aws_s3_deployment as s3deploy,
} from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { WEB_CONFIG_FILE, type WebConfig } from '../../../lambdas/review-portal/contract';
import { acknowledgeBucketDeployment } from '../../shared/custom-resource';
import { WorkflowLogGroup } from '../../shared/logs';
import { acknowledge } from '../../shared/nag';
import { AccessLogsBucket, SecureBucket } from '../../shared/secure-bucket';
import { REVIEW_PAGE_SOURCE, buildReviewPage } from './web-page';

/** Where the review page may connect (`connect-src`): its own API and its own Cognito domain, nothing else. */
export interface PageConnections {
  /** Origin of the review API, e.g. `https://<api id>.execute-api.<region>.amazonaws.com`. */
  readonly apiOrigin: string;
  /** Origin of the Cognito hosted domain (sign-in redirects and the token exchange). */
  readonly signInOrigin: string;
  /** Origins of the image buckets (`img-src`), e.g. `https://<bucket>.s3.<region>.amazonaws.com`. @default none */
  readonly imageOrigins?: readonly string[];
}

/**
 * The page's Content-Security-Policy: scripts and styles from the page itself only (no inline code), images from the
 * page itself and the configured image buckets (presigned URLs of image tasks), network requests to the page itself
 * (`config.json`), the portal's own API and its own Cognito domain, known at deploy time, not every API Gateway or
 * Cognito domain or S3 bucket of the Region.
 */
export function contentSecurityPolicy(connections: PageConnections): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    ["img-src 'self' data:", ...(connections.imageOrigins ?? [])].join(' '),
    `connect-src 'self' ${connections.apiOrigin} ${connections.signInOrigin}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Props of {@link createSite}. */
export interface SiteProps {
  /** What the page connects to (its CSP). */
  readonly connections: PageConnections;
  /** AWS WAF web ACL (CLOUDFRONT scope) of the distribution. @default none */
  readonly webAclArn?: string;
}

/** The page's private bucket and its CloudFront distribution. */
export interface Site {
  /** Private bucket of the page (`Site`), served only through CloudFront with origin access control. */
  readonly bucket: s3.Bucket;
  /** The distribution (`Distribution`). */
  readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>`. */
  readonly url: string;
}

/**
 * The page's bucket and distribution: HTTPS only, HTTP/2 and 3, access logs, security headers (a strict CSP pinned
 * to the portal's API and Cognito domain, HSTS with preload, `X-Frame-Options: DENY`, `nosniff`, `no-referrer`).
 */
export function createSite(scope: Construct, props: SiteProps): Site {
  const bucket = new SecureBucket(scope, 'Site', { versioned: false, removalPolicy: RemovalPolicy.DESTROY });
  const securityHeaders = new cloudfront.ResponseHeadersPolicy(scope, 'SecurityHeaders', {
    comment: 'Review portal: strict CSP, HSTS and related headers',
    securityHeadersBehavior: {
      contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy(props.connections), override: true },
      strictTransportSecurity: {
        accessControlMaxAge: Duration.days(730),
        includeSubdomains: true,
        preload: true,
        override: true,
      },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      xssProtection: { protection: true, modeBlock: true, override: true },
    },
  });
  const distribution = new cloudfront.Distribution(scope, 'Distribution', {
    comment: 'Review portal web page',
    defaultRootObject: 'index.html',
    defaultBehavior: {
      origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: securityHeaders,
      compress: true,
    },
    httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    enableLogging: true,
    logBucket: AccessLogsBucket.of(scope),
    logFilePrefix: 'cloudfront/review-portal/',
    webAclId: props.webAclArn,
  });
  acknowledge(
    distribution,
    'The page is for invited reviewers anywhere; every API call needs a Cognito token, so a geographic restriction adds nothing.',
    'AwsSolutions-CFR1',
  );
  if (props.webAclArn === undefined) {
    acknowledge(
      distribution,
      'The distribution serves static files only; the data is behind the Cognito-authorized, throttled API. Set reviewPortal.webAclArn to attach a CloudFront web ACL.',
      'AwsSolutions-CFR2',
    );
  }
  acknowledge(
    distribution,
    'The distribution uses the default *.cloudfront.net certificate (no custom domain), for which CloudFront fixes the viewer TLS policy; attach a custom domain and certificate to set TLSv1.2_2021.',
    'AwsSolutions-CFR4',
  );
  return { bucket, distribution, url: `https://${distribution.distributionDomainName}` };
}

/**
 * Deploy the page: built at synth time with esbuild (local bundling, never Docker), plus `config.json` generated at
 * deploy time from the portal's API URL and Cognito ids, so a new API URL needs no rebuild. The distribution is
 * invalidated after each deployment.
 */
export function deploySite(scope: Construct, site: Site, webConfig: WebConfig): s3deploy.BucketDeployment {
  const deployment = new s3deploy.BucketDeployment(scope, 'SiteDeployment', {
    sources: [
      s3deploy.Source.asset(REVIEW_PAGE_SOURCE, {
        bundling: {
          // Docker is never used: the local esbuild build always succeeds or throws.
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24-slim'),
          local: {
            tryBundle(outputDir: string): boolean {
              buildReviewPage(outputDir);
              return true;
            },
          },
        },
      }),
      s3deploy.Source.jsonData(WEB_CONFIG_FILE, webConfig),
    ],
    destinationBucket: site.bucket,
    distribution: site.distribution,
    distributionPaths: ['/*'],
    cacheControl: [s3deploy.CacheControl.noCache()],
    prune: true,
    memoryLimit: 256,
    logGroup: new WorkflowLogGroup(scope, 'SiteDeploymentLogs'),
  });
  acknowledgeBucketDeployment(deployment, {
    destinationBucket: site.bucket,
    purpose: 'copies the built page and config.json into the site bucket during deployment',
    invalidatesDistribution: true,
  });
  return deployment;
}
