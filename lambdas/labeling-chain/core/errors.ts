import { ValidationError } from '../../shared/errors';

/**
 * The manifest does not match what `DescribeLabelingJob` says of the job (for example an empty output manifest for a
 * job whose `LabelCounters` count objects): planning from it would report "done" for data that is not labeled.
 */
export class ManifestMismatchError extends ValidationError {}

/** The manifest has lines that are not UTF-8 JSON objects: nothing is planned from a manifest that cannot be read. */
export class ManifestUnreadableError extends ValidationError {}
