/** One `tollgate` sub-command. */
export interface Command {
  /** Name typed after `tollgate`. */
  readonly name: string;
  /** One-line summary for `tollgate --help`. */
  readonly summary: string;
  /** Usage text for `tollgate <name> --help`. */
  readonly usage: string;
  /** Runs the command; resolves with the exit code (a long-running command never resolves until it stops). */
  run(args: string[]): Promise<number>;
}
