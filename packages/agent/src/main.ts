#!/usr/bin/env node
import { buildAgentCommand } from './cli.js';

await buildAgentCommand().parseAsync(process.argv);
