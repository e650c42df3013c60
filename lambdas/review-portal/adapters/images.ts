import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { isBoundingBoxTask } from '../../review/contract';
import { IMAGE_URL_SECONDS, REVIEW_PORTAL_ENV as ENV } from '../contract';
import { imageLocation } from '../core/image-task';
import { type TaskRecord, type TaskView, taskInput } from '../core/task';
import { logger, portalEnv } from './api';

/** Signs a GET of one object for `seconds`. */
export type Presign = (location: { bucket: string; key: string }, seconds: number) => Promise<string>;

let s3: S3Client | undefined;

/**
 * The default {@link Presign}: a presigned `GetObject` URL signed with the function's own role (which may read only
 * the configured image buckets). Path-style addressing only against a local stand-in (an `AWS_ENDPOINT_URL_S3` or
 * `AWS_ENDPOINT_URL` override); on AWS the URL is virtual-hosted (`https://<bucket>.s3.<region>.amazonaws.com/…`), the
 * origin the page's CSP allows.
 */
export const presignGetObject: Presign = (location, seconds) => {
  s3 ??= new S3Client({
    forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
  });
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), {
    expiresIn: seconds,
  });
};

/**
 * Add a short-lived image URL to every image of an image task's view (text tasks are returned as they are). Only
 * images in the buckets the administrator configured (`REVIEW_PORTAL_IMAGE_BUCKETS`) get one; any other image gets
 * `imageError` instead (and a warning in the log), never a URL. Objects are never made public.
 */
export async function withImageUrls(task: TaskRecord, view: TaskView, presign: Presign = presignGetObject) {
  if (view.kind !== 'bounding-box-verification') return view;
  const input = taskInput(task);
  if (!isBoundingBoxTask(input)) return view;
  const allowed = new Set(portalEnv()[ENV.IMAGE_BUCKETS]);
  const images = new Map(input.items.map((item) => [item.index, item.image]));
  const items = await Promise.all(
    view.items.map(async (item) => {
      const location = imageLocation(images.get(item.index) ?? '');
      if (!location) return { ...item, imageError: 'the task names no S3 image' };
      if (!allowed.has(location.bucket)) {
        logger.warn('Image bucket not allowed', { taskId: task.taskId, bucket: location.bucket });
        return { ...item, imageError: `the portal is not configured to show images of bucket ${location.bucket}` };
      }
      return { ...item, imageUrl: await presign(location, IMAGE_URL_SECONDS) };
    }),
  );
  return { ...view, items };
}
