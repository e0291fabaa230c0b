/** Tap name, log binding and config key of the metrics plugin. */
export const PLUGIN_NAME = 'metrics';

/** The grant capability that lets a caller without role `admin` read `/metrics` (Aperture's name). */
export const READ_METRICS = 'read_metrics';
