'use strict';
// The part both VS Code Python extensions share: start `<tool> server`, join it to a
// vscode-jsonrpc MessageConnection through two PassThrough streams, and send requests with a
// time-out. Written for tests/test_ide_clients.py and benchmarks/ide_timings.js.
//
// Facts ported (our code, their behaviour):
// - vscode-python-environments 9a2c114, src/managers/common/nativePythonFinder.ts: start()
//   spawns `<tool> server` with stdio 'pipe' and the extension host's env; stdout is piped
//   into a PassThrough with {end: false}, a second PassThrough is piped into stdin with
//   {end: false}; stderr goes to the output channel as errors; the connection is
//   createMessageConnection(StreamMessageReader, StreamMessageWriter) and listen()s; 'log'
//   and 'telemetry' notifications are logged. sendRequestWithTimeout() races the request
//   (with a CancellationTokenSource, cancelled on time-out) against a timer.
// - vscode-python 757def8, src/client/pythonEnvironments/base/locators/common/
//   nativePythonFinder.ts: the same spawn and PassThrough wiring (ch.spawn with env only).
//
// vscode-jsonrpc is looked up under $WHICHPYTHON_TEST_NODE_MODULES (a directory holding
// node_modules/vscode-jsonrpc), never in the repository.

const path = require('path');
const { spawn } = require('child_process');
const { PassThrough } = require('stream');

function loadRpc() {
    const base = process.env.WHICHPYTHON_TEST_NODE_MODULES;
    if (!base) {
        throw new Error('WHICHPYTHON_TEST_NODE_MODULES is not set');
    }
    return require(require.resolve('vscode-jsonrpc/node', { paths: [path.resolve(base)] }));
}

const rpc = loadRpc();

class RpcTimeoutError extends Error {
    constructor(method, timeoutMs) {
        super(`Request '${method}' timed out after ${timeoutMs}ms`);
        this.name = 'RpcTimeoutError';
        this.method = method;
    }
}

/** A request that fails with RpcTimeoutError after timeoutMs (and is cancelled). */
async function sendRequestWithTimeout(connection, method, params, timeoutMs) {
    const cts = new rpc.CancellationTokenSource();
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => {
            cts.cancel();
            reject(new RpcTimeoutError(method, timeoutMs));
        }, timeoutMs);
    });
    try {
        return await Promise.race([connection.sendRequest(method, params, cts.token), timeout]);
    } finally {
        clearTimeout(timer);
        cts.dispose();
    }
}

/**
 * Start `<toolPath> server` as the extensions do. `report` collects what the output channel
 * would show as errors (`errors`), the server's stderr, and the 'log' notifications.
 */
function startServer(toolPath, report, options = {}) {
    const readable = new PassThrough();
    const writable = new PassThrough();
    const started = process.hrtime.bigint();
    const proc = spawn(toolPath, ['server'], { env: process.env, stdio: 'pipe' });
    proc.stdout.pipe(readable, { end: false });
    proc.stderr.on('data', (data) => {
        report.stderr += data.toString();
    });
    writable.pipe(proc.stdin, { end: false });
    proc.on('error', (err) => report.errors.push(`process error: ${err.message}`));
    proc.on('exit', (code, signal) => {
        report.exit = { code, signal };
        if (!report.disposing && code !== 0) {
            report.errors.push(`server exited unexpectedly with code ${code}, signal ${signal}`);
        }
    });
    const connection = rpc.createMessageConnection(
        new rpc.StreamMessageReader(readable),
        new rpc.StreamMessageWriter(writable),
    );
    connection.onError((ex) => report.errors.push(`connection error: ${String(ex)}`));
    connection.onNotification('log', (data) => {
        report.logs.push(data);
    });
    if (options.onTelemetry !== false) {
        connection.onNotification('telemetry', (data) => report.telemetry.push(data));
    }
    connection.listen();
    const dispose = () =>
        new Promise((resolve) => {
            report.disposing = true;
            connection.dispose();
            readable.end();
            writable.end();
            if (proc.exitCode !== null || proc.signalCode !== null) {
                resolve();
                return;
            }
            // As the environments extension's dispose: end stdin, kill if still alive.
            const killer = setTimeout(() => proc.kill(), 500);
            proc.on('exit', () => {
                clearTimeout(killer);
                resolve();
            });
            proc.stdin.end();
        });
    return { connection, proc, started, dispose };
}

function newReport() {
    return { errors: [], stderr: '', logs: [], telemetry: [], exit: null, disposing: false };
}

function isNativeEnvInfo(info) {
    return !info.tool;
}

/** Milliseconds since a process.hrtime.bigint() stamp. */
function msSince(stamp) {
    return Number(process.hrtime.bigint() - stamp) / 1e6;
}

/** The JSON the client was given (argv[2], a file path). */
function readInput() {
    return JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
}

/** Prints a client's result, with what the connection reported, as one JSON document. */
function printResult(out, report) {
    out.errors = report.errors;
    out.stderr = report.stderr;
    out.logErrors = report.logs.filter((l) => l.level === 'error').map((l) => l.message);
    out.exit = report.exit;
    process.stdout.write(JSON.stringify(out, null, 1) + '\n');
}

/** Runs a client's main() when the file is run as a script; a crash is printed as an error. */
function runAsScript(module, main) {
    if (require.main !== module) return;
    main().catch((ex) => {
        process.stdout.write(JSON.stringify({ errors: [`crashed: ${ex.stack || ex}`] }) + '\n');
        process.exitCode = 1;
    });
}

module.exports = {
    rpc,
    RpcTimeoutError,
    sendRequestWithTimeout,
    startServer,
    newReport,
    isNativeEnvInfo,
    msSince,
    readInput,
    printResult,
    runAsScript,
};
