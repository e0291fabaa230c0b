// The parts of autocannon (which ships no types) the benchmark uses.
declare module 'autocannon' {
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    connections?: number;
    pipelining?: number;
    duration?: number;
    timeout?: number;
  }
  interface Result {
    errors?: number;
    timeouts?: number;
  }
  interface Instance extends NodeJS.EventEmitter, PromiseLike<Result> {
    stop(): void;
  }
  function autocannon(options: Options, callback?: (err: Error | null, result: unknown) => void): Instance;
  export default autocannon;
}
