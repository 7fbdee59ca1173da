#!/usr/bin/env node
import { homedir } from 'node:os';
import { runCli } from './program.js';

// exitCode rather than exit(): the process ends once stdout has drained, so piped
// output (--json into jq) is never cut short.
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  stdinIsTTY: process.stdin.isTTY === true,
  env: process.env,
  homeDir: homedir(),
});
