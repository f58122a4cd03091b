#!/usr/bin/env node
// Registers the "TypeScript (HyperSpy)" kernel and the renderer extension with Jupyter.
// The kernel does not exist yet (issue "Kernel"); until then this says so and exits non-zero.
"use strict";
console.error("install.js: the hyperspy-ts Jupyter kernel is not built yet; nothing to register.");
process.exit(1);
