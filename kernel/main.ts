#!/usr/bin/env node
/**
 * Entry point of the "TypeScript (HyperSpy)" kernel: `node dist/kernel/main.js --connection-file <file>`
 * (what the kernelspec written by install.js runs; Jupyter passes the connection file and starts
 * the kernel in the notebook's directory).
 */
import * as fs from "node:fs";
import { Kernel } from "./server";
import type { ConnectionInfo } from "./wire";

// The kernel makes process.exit throw in cells (server.ts); the entry point keeps the real one.
const exit: (code?: number) => never = process.exit.bind(process);

function usage(msg: string): never {
  process.stderr.write(`hyperspy-ts kernel: ${msg}\nusage: node ${process.argv[1]} --connection-file <connection.json>\n`);
  exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--connection-file" || args[i] === "-f") file = args[++i];
    else if (args[i].startsWith("--connection-file=")) file = args[i].slice("--connection-file=".length);
  }
  if (!file) usage("no connection file given");
  let connection: ConnectionInfo;
  try {
    connection = JSON.parse(fs.readFileSync(file, "utf8")) as ConnectionInfo;
  } catch (e) {
    usage(`cannot read the connection file ${file}: ${(e as Error).message}`);
  }
  const kernel = new Kernel({ connection });
  await kernel.start();
  exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`hyperspy-ts kernel failed to start: ${(e as Error).stack ?? String(e)}\n`);
  exit(1);
});
