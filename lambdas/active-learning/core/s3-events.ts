import { z } from 'zod';
import { decodeS3EventKey } from '../../shared/s3';

/** An S3 object named by an event. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly eTag?: string;
}

const eventBridgeObjectCreated = z.object({
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1), 'version-id': z.string().optional(), etag: z.string().optional() }),
  }),
});

const s3Notification = z.object({
  Records: z
    .array(
      z.object({
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({ key: z.string().min(1), versionId: z.string().optional(), eTag: z.string().optional() }),
        }),
      }),
    )
    .min(1),
});

/**
 * Every object named by an S3 "Object Created" event: an EventBridge event (one object) or an S3 notification event
 * (`Records[]`, keys URL-encoded) — all of them, not just the first.
 * @returns undefined when the event is neither.
 */
export function objectsOfEvent(event: unknown): ObjectRef[] | undefined {
  const bridged = eventBridgeObjectCreated.safeParse(event);
  if (bridged.success) {
    const { bucket, object } = bridged.data.detail;
    return [{ bucket: bucket.name, key: object.key, versionId: object['version-id'], eTag: object.etag }];
  }
  const notification = s3Notification.safeParse(event);
  if (notification.success) {
    return notification.data.Records.map(({ s3 }) => ({
      bucket: s3.bucket.name,
      key: decodeS3EventKey(s3.object.key),
      versionId: s3.object.versionId,
      eTag: s3.object.eTag,
    }));
  }
  return undefined;
}

/** The version identity of an object: its version id, else its ETag (unquoted), else `unversioned`. */
export function versionOf(object: ObjectRef): string {
  return object.versionId ?? object.eTag?.replace(/"/g, '') ?? 'unversioned';
}
