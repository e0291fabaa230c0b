/** A JSON object (a parsed request or response body). */
export type JsonObject = Record<string, unknown>;
