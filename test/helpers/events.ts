/**
 * An S3 "Object Created" event as EventBridge delivers it (S3 → EventBridge → Lambda), for handler tests.
 * The key is not URL-encoded in this form.
 */
export function s3ObjectCreatedEvent(bucket: string, key: string, etag?: string) {
  return {
    version: '0',
    id: 'c9888434-815d-c6f4-9fc2-4dd7bdeccaaf',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-11-23T10:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size: 10, ...(etag ? { etag } : {}), sequencer: '00' },
      'request-id': 'R',
      requester: '123456789012',
      reason: 'PutObject',
    },
  };
}
