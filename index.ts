/**
 * hyperspy-ts: HyperSpy's signal model in TypeScript on a dask-like lazy array engine.
 * `const hs = require("hyperspy-ts")`: `hs.lazy` is the engine, `hs.signals` the signal classes.
 */
export * as lazy from "./lazy";
export * as signals from "./signals";
export { stack } from "./signals/rebin";
export { load } from "./signals/io";
export type { LoadOptions, SaveOptions, CodecConfig } from "./signals/io";
export * as errors from "./lazy/core/errors";
