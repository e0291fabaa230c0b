import { Type } from 'typebox';

/** Options of the metrics plugin (`["metrics", { ... }]`). */
export const MetricsOptionsSchema = Type.Object(
  {
    /** Path of the Prometheus endpoint. @default "/metrics" */
    path: Type.String({ pattern: '^/', default: '/metrics' }),
    /**
     * Serve the endpoint without identifying the caller (a scraper inside a trusted network). The
     * default needs role `admin` or the grant capability `read_metrics`. @default false
     */
    public: Type.Boolean({ default: false }),
    /** Export process metrics (`process_*`, `nodejs_*`: CPU, memory, event loop, GC). @default true */
    process_metrics: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, default: {} },
);

/** Validated options of the metrics plugin. */
export type MetricsOptions = Type.Static<typeof MetricsOptionsSchema>;
