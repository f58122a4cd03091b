/**
 * Binds the operation modules to LazyArray's methods (core/array.ts's bindOperations). The
 * modules here import LazyArray to build their results, so core/array.ts only imports their
 * types; this module, loaded by every module that makes a LazyArray from nothing (creation,
 * storage, the public entry lazy/index.ts), closes the loop once, without a runtime cycle.
 */
import { bindOperations } from "../core/array";
import * as ops from "./ops";
import * as reduction from "./reduction";
import * as nanred from "./nanreduction";
import * as slicing from "./slicing";
import * as rechunkMod from "./rechunk";
import * as blockwise from "./blockwise";
import * as overlap from "./overlap";

bindOperations({ ops, reduction, nanred, slicing, rechunkMod, blockwise, overlap });
