/** Targets for bench/process_bench.ts. */

export function noop(): void {}
