/** mapOverlap (stub: being written). */
import { LazyArray, BlockFunction, MapOverlapOptions } from "./array";

export function mapOverlap(x: LazyArray, fn: BlockFunction, opts: MapOverlapOptions): LazyArray {
  throw new Error(`mapOverlap: not implemented yet (${x.name}, ${typeof fn}, ${JSON.stringify(opts)})`);
}
