/**
 * HyperSpy's signal model: `hs.signals`. In progress (issue "Signals"): construction, axes,
 * metadata, reprs, asLazy / compute, rechunk, getChunkSize, transpose / T and deepcopy are here.
 */
import "./display";
import "./liveplot";
export { SignalPlot, enableLivePlots } from "./liveplot";
export type { PlotOptions, ComputeNavigatorOptions, SignalAtResult } from "./liveplot";
export { BaseSignal, Signal1D, Signal2D, LazySignal, LazySignal1D, LazySignal2D } from "./signal";
export type { SignalData, SignalOptions, RechunkSignalOptions, TransposeOptions, AxesSelection } from "./signal";
export { DataAxis, AxesManager } from "./axes";
export type { AxisOptions, AxisDict } from "./axes";
export { Metadata, defaultMetadata, createSignalMetadata } from "./metadata";
export type { MetadataValue, MetadataDict, MetadataPath } from "./metadata";
export { hyperspyChunks, SIGNAL_CHUNK_BYTES } from "./chunking";
export type { SignalIndex, SignalSlice, SliceBound, AxisValue } from "./indexing";
export type { IterateOptions } from "./iterate";
export type { AxisKey, AxisSelector, SignalReduction, SignalReduceOptions } from "./reductions";
export { resolveAxes } from "./reductions";
export type { SignalOperand, SignalBinaryOp, SignalUnaryOp } from "./arithmetic";
export { INVALID_DIMENSIONS, isSignal } from "./arithmetic";
export type { BlockIteratorOptions, Mask } from "./blockiter";
export type { MapArgs, MapFunction, MapOptions, MapResult } from "./map";
export type { RebinOptions, StackOptions } from "./rebin";
export type { SplitOptions } from "./reshape";
export type { SignalInPlaceOp } from "./arithmetic";
