import { S3EventNotificationEventBridgeSchema, S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { decodeS3EventKey } from '../../shared/s3-keys';

/** An S3 object named by an event. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly eTag?: string;
}

/**
 * Every object named by an S3 "Object Created" event — an EventBridge event (one object; the Powertools parser's
 * `S3EventNotificationEventBridgeSchema`) or an S3 notification event (`Records[]`, keys URL-encoded; its
 * `S3Schema`) — all of them, not just the first.
 * @returns undefined when the event is neither.
 */
export function objectsOfEvent(event: unknown): ObjectRef[] | undefined {
  const bridged = S3EventNotificationEventBridgeSchema.safeParse(event);
  if (bridged.success) {
    if (bridged.data['detail-type'] !== 'Object Created') return undefined;
    const { bucket, object } = bridged.data.detail;
    return [{ bucket: bucket.name, key: object.key, versionId: object['version-id'], eTag: object.etag }];
  }
  const notification = S3Schema.safeParse(event);
  if (notification.success && notification.data.Records.length > 0) {
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
