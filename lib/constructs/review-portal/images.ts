import { Aws, Duration, Fn, aws_s3 as s3 } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { REVIEW_PORTAL_ENV as ENV } from '../../../lambdas/review-portal/contract';
import { grantObjects } from '../../shared/grants';
import { type HandlerFunction } from '../../shared/handler-function';
import { SecureBucket } from '../../shared/secure-bucket';

/**
 * The image side of the review portal (image tasks, `bounding-box-verification`): where images may come from, who may
 * read them, and what the page may load.
 */

/**
 * The portal's own image bucket (construct id `Images`, retained, versioned): images that workflows hand to reviewers.
 * The review page shows them with `<img>` and an SVG overlay, which needs no CORS. CORS allows `GET`/`HEAD` from the
 * configured extra origins only (tools that read pixels), never `*`, and never the portal's own CloudFront domain:
 * the page's CSP names this bucket, so a CORS rule naming the distribution would make a dependency cycle
 * (bucket → distribution → response headers policy → bucket) that CloudFormation refuses.
 */
export function createImageStore(scope: Construct, extraOrigins: readonly string[]): SecureBucket {
  return new SecureBucket(scope, 'Images', {
    cors:
      extraOrigins.length > 0
        ? [
            {
              allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD],
              allowedOrigins: [...extraOrigins],
              allowedHeaders: ['*'],
              maxAge: Duration.hours(1).toSeconds(),
            },
          ]
        : undefined,
  });
}

/**
 * Let the functions that answer with task views show the images of `buckets`: the bucket names in
 * `REVIEW_PORTAL_IMAGE_BUCKETS` (the allow-list the presigner checks) and `s3:GetObject` on their objects (the presigned
 * URLs are signed with the function's role, so a URL for any other bucket would be refused by S3 as well).
 */
export function bindImageBuckets(functions: readonly HandlerFunction[], buckets: readonly s3.IBucket[]): void {
  if (buckets.length === 0) return;
  const names = Fn.join(
    ',',
    buckets.map((b) => b.bucketName),
  );
  for (const fn of functions) {
    fn.bind(ENV.IMAGE_BUCKETS, names, (grantee) => {
      for (const bucket of buckets) grantObjects(bucket, grantee, 'read');
    });
  }
}

/**
 * The origins the page loads images from (CSP `img-src`): each image bucket's virtual-hosted Regional endpoint,
 * `https://<bucket>.s3.<region>.<url suffix>` — the host of the presigned URLs — and nothing else of S3.
 */
export function imageOrigins(buckets: readonly s3.IBucket[]): string[] {
  return buckets.map((b) => `https://${b.bucketName}.s3.${Aws.REGION}.${Aws.URL_SUFFIX}`);
}
