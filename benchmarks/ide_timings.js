'use strict';
// What an IDE waits for, timed with the Python Environments extension's own client sequence
// (tests/ide/envs_extension.js: vscode-jsonrpc, `info` fired at spawn, configure, `refresh {}`):
//   - spawn to `info` answer (ms from spawning `<tool> server` to the `info` response),
//   - first `environment` notification after the `refresh` request,
//   - the `refresh` response,
// cold (a fresh cacheDirectory and WHICHPYTHON_CACHE_DIR per run) and warm (both kept from a
// priming run), N runs each; prints median, min and max per row (JSON with --json).
//
// How to run (vscode-jsonrpc at the version tests/test_ide_clients.py pins, into a temp dir):
//   npm install --no-save --prefix /tmp/ide-node vscode-jsonrpc@9.0.3
//   WHICHPYTHON_TEST_NODE_MODULES=/tmp/ide-node \
//     node benchmarks/ide_timings.js --tool .venv/bin/whichpython-pet [--runs 10] \
//       [--workspace DIR] [--json]
// --tool is what the extension would spawn as `python-env-tools/bin/pet` (default:
// `whichpython-pet` on PATH); --workspace is the workspace folder (default: the current dir).
// The server sees this process's environment (the real machine), as in an editor.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { Finder } = require('../tests/ide/envs_extension');
const { newReport } = require('../tests/ide/pet_connection');

function parseArgs(argv) {
    const args = { runs: 10, workspace: process.cwd(), tool: undefined, json: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === '--runs') args.runs = Number(argv[++i]);
        else if (a === '--workspace') args.workspace = path.resolve(argv[++i]);
        else if (a === '--tool') args.tool = path.resolve(argv[++i]);
        else if (a === '--json') args.json = true;
        else throw new Error(`unknown argument ${a}`);
    }
    if (!args.tool) {
        for (const dir of (process.env.PATH || '').split(path.delimiter)) {
            const candidate = path.join(dir, 'whichpython-pet');
            if (dir && fs.existsSync(candidate)) {
                args.tool = candidate;
                break;
            }
        }
    }
    if (!args.tool) throw new Error('no --tool and no whichpython-pet on PATH');
    return args;
}

async function oneRun(tool, workspace, cacheDirectory) {
    process.env.WHICHPYTHON_CACHE_DIR = path.join(cacheDirectory, 'whichpython');
    const report = newReport();
    const finder = new Finder({ tool, workspaceFolders: [workspace], cacheDirectory }, report);
    try {
        const { stamps } = await finder.refresh(undefined);
        await finder.infoPromise;
        if (report.errors.length) throw new Error(report.errors.join('; '));
        return { info: report.infoMs, firstEnvironment: stamps.firstEnvironmentMs, refresh: stamps.refreshMs };
    } finally {
        await finder.server.dispose();
    }
}

function summary(values) {
    const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
    if (sorted.length === 0) return { median: null, min: null, max: null, n: 0 };
    const mid = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ide-timings-'));
    const results = { tool: args.tool, workspace: args.workspace, runs: args.runs, rows: {} };
    try {
        const samples = { cold: [], warm: [] };
        for (let i = 0; i < args.runs; i++) {
            samples.cold.push(await oneRun(args.tool, args.workspace, fs.mkdtempSync(path.join(scratch, 'cold-'))));
        }
        const kept = fs.mkdtempSync(path.join(scratch, 'warm-'));
        await oneRun(args.tool, args.workspace, kept); // priming run, not counted
        for (let i = 0; i < args.runs; i++) {
            samples.warm.push(await oneRun(args.tool, args.workspace, kept));
        }
        for (const mode of ['cold', 'warm']) {
            for (const what of ['info', 'firstEnvironment', 'refresh']) {
                results.rows[`${what}, ${mode}`] = summary(samples[mode].map((s) => s[what]));
            }
        }
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
    if (args.json) {
        process.stdout.write(JSON.stringify(results, null, 1) + '\n');
        return;
    }
    const label = {
        info: 'spawn to `info` answer',
        firstEnvironment: 'first `environment` after `refresh`',
        refresh: '`refresh` response',
    };
    process.stdout.write(`${args.tool} on ${args.workspace}, ${args.runs} runs per mode (ms)\n`);
    process.stdout.write('| what | median | min | max |\n|---|---|---|---|\n');
    for (const [key, s] of Object.entries(results.rows)) {
        const [what, mode] = key.split(', ');
        const f = (v) => (v === null ? '–' : v.toFixed(1));
        process.stdout.write(`| ${label[what]}, ${mode} | ${f(s.median)} | ${f(s.min)} | ${f(s.max)} |\n`);
    }
}

main().catch((ex) => {
    process.stderr.write(`${ex.stack || ex}\n`);
    process.exitCode = 1;
});
