'use strict';
// The Python Environments extension (microsoft/vscode-python-environments at 9a2c114) driving
// `<extdir>/python-env-tools/bin/pet server`, reduced to what decides which environments it
// shows. Usage: node envs_extension.js INPUT.json, where INPUT has
//   {"tool": ".../python-env-tools/bin/pet", "workspaceFolders": [...],
//    "cacheDirectory": "...", "condaPath": null}
// Prints one JSON object: {"info", "errors", "stderr", "logErrors", "shown", "after", ...}.
// Every rule below names the file it comes from (paths under src/ at 9a2c114).

const fs = require('fs');
const path = require('path');
const {
    RpcTimeoutError,
    sendRequestWithTimeout,
    startServer,
    newReport,
    isNativeEnvInfo,
    msSince,
    readInput,
    printResult,
    runAsScript,
} = require('./pet_connection');

// managers/common/nativePythonFinder.ts: the time-outs and the info retry count.
const CONFIGURE_TIMEOUT_MS = 30_000;
const REFRESH_TIMEOUT_MS = 30_000;
const RESOLVE_TIMEOUT_MS = 30_000;
const INFO_TIMEOUT_MS = 2_000;
const INFO_REQUEST_ATTEMPTS = 3;

// managers/common/nativePythonFinder.ts, NativePythonEnvironmentKind.
const Kind = {
    conda: 'Conda',
    homebrew: 'Homebrew',
    pixi: 'Pixi',
    pyenv: 'Pyenv',
    globalPaths: 'GlobalPaths',
    pyenvVirtualEnv: 'PyenvVirtualEnv',
    pipenv: 'Pipenv',
    poetry: 'Poetry',
    macPythonOrg: 'MacPythonOrg',
    macCommandLineTools: 'MacCommandLineTools',
    linuxGlobal: 'LinuxGlobal',
    macXCode: 'MacXCode',
    uvWorkspace: 'UvWorkspace',
    venv: 'Venv',
    venvUv: 'Uv',
    virtualEnv: 'VirtualEnv',
    virtualEnvWrapper: 'VirtualEnvWrapper',
    windowsStore: 'WindowsStore',
    windowsRegistry: 'WindowsRegistry',
    winpython: 'WinPython',
};

// managers/common/utils.ts, shortenVersionString: a PEP 440 version keeps major.minor.patch
// (".x" for a two-part one); anything else is shown as given. (PEP 440 validity is checked
// here with the spec's public-version pattern.)
const PEP440 = /^v?(\d+!)?(\d+)(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?(\+[a-z0-9.]+)?$/i;
function shortenVersionString(input) {
    if (!PEP440.test(input)) {
        return input;
    }
    const parts = input.replace(/^v/i, '').replace(/^\d+!/, '').split(/[^0-9.]/)[0].split('.');
    const patch = Number(parts[2] ?? 0);
    return patch !== 0 || input.split('.').length >= 3
        ? `${Number(parts[0])}.${Number(parts[1] ?? 0)}.${patch}`
        : `${Number(parts[0])}.${Number(parts[1] ?? 0)}.x`;
}

function which(name) {
    for (const dir of (process.env.PATH || '').split(path.delimiter)) {
        if (!dir) continue;
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

// managers/common/nativePythonFinder.ts, getAllExtraSearchPaths() with default settings: no
// venvPath/venvFolders/globalSearchPaths; workspaceSearchPaths defaults to [".venv", "*/.venv"]
// (package.json, python-envs.workspaceSearchPaths) resolved against each workspace folder.
function environmentDirectories(workspaceFolders) {
    const dirs = [];
    for (const folder of workspaceFolders) {
        for (const p of ['.venv', '*/.venv']) {
            dirs.push(path.resolve(folder, p));
        }
    }
    return Array.from(new Set(dirs)).map((p) => p.replace(/\\/g, '/'));
}

class Finder {
    constructor(input, report) {
        this.input = input;
        this.report = report;
        this.info = undefined;
        this.lastConfiguration = undefined;
        this.server = startServer(input.tool, report);
        this.connection = this.server.connection;
        this.kickoffInfoFetch();
    }

    // nativePythonFinder.ts, kickoffInfoFetch + retryRpcTimeout: `info` is fired and not
    // awaited; only time-outs are retried, up to INFO_REQUEST_ATTEMPTS.
    kickoffInfoFetch() {
        const attempt = async () => {
            for (let n = 1; ; n++) {
                try {
                    return await sendRequestWithTimeout(this.connection, 'info', {}, INFO_TIMEOUT_MS);
                } catch (ex) {
                    if (!(ex instanceof RpcTimeoutError) || n >= INFO_REQUEST_ATTEMPTS) throw ex;
                    this.report.infoTimeouts = (this.report.infoTimeouts || 0) + 1;
                }
            }
        };
        this.infoPromise = attempt().then(
            (result) => {
                this.info = result;
                this.report.infoMs = msSince(this.server.started);
            },
            (ex) => {
                // The extension logs this at debug level; a drop-in must not fail it.
                this.report.errors.push(`info failed: ${String(ex)}`);
            },
        );
    }

    // nativePythonFinder.ts, buildConfigurationOptions (default settings: no condaPath,
    // pipenvPath, poetryPath; projects = the workspace folders).
    buildConfigurationOptions() {
        return {
            workspaceDirectories: this.input.workspaceFolders,
            environmentDirectories: environmentDirectories(this.input.workspaceFolders),
            condaExecutable: this.input.condaPath || undefined,
            pipenvExecutable: undefined,
            poetryExecutable: undefined,
            cacheDirectory: this.input.cacheDirectory,
        };
    }

    // nativePythonFinder.ts, configure: skipped when unchanged, else sent with a time-out.
    async configure() {
        const configuration = this.buildConfigurationOptions();
        if (JSON.stringify(configuration) === JSON.stringify(this.lastConfiguration)) {
            return;
        }
        await sendRequestWithTimeout(this.connection, 'configure', configuration, CONFIGURE_TIMEOUT_MS);
        this.lastConfiguration = configuration;
    }

    // nativePythonFinder.ts, getRefreshOptions: a kind -> {searchKind}; Uri[] -> {searchPaths}
    // (+ venvFolders, empty by default); nothing -> {}.
    refreshOptions(options) {
        if (typeof options === 'string') return { searchKind: options };
        if (Array.isArray(options)) return { searchPaths: [...options] };
        return {};
    }

    // nativePythonFinder.ts, doRefreshAttempt: configure; listen for 'environment', resolving
    // (without awaiting) each one with an executable but no version or no prefix; 'manager'
    // notifications are kept; the `refresh` response does not wait for the handlers; then
    // the pending resolves are awaited. A failed resolve is logged ("Error in Resolving") and
    // the environment is dropped.
    async refresh(options) {
        const nativeInfo = [];
        const unresolved = [];
        await this.configure();
        // Timings (benchmarks/ide_timings.js) count from the `refresh` request.
        const stamps = { start: process.hrtime.bigint(), firstEnvironmentMs: undefined };
        const disposables = [
            this.connection.onNotification('environment', (data) => {
                if (stamps.firstEnvironmentMs === undefined) {
                    stamps.firstEnvironmentMs = msSince(stamps.start);
                }
                if (data.executable && (!data.version || !data.prefix)) {
                    unresolved.push(
                        sendRequestWithTimeout(
                            this.connection,
                            'resolve',
                            { executable: data.executable },
                            RESOLVE_TIMEOUT_MS,
                        )
                            .then((environment) => nativeInfo.push(environment))
                            .catch((ex) =>
                                this.report.errors.push(
                                    `Error in Resolving ${JSON.stringify(data)}: ${String(ex)}`,
                                ),
                            ),
                    );
                } else {
                    nativeInfo.push(data);
                }
            }),
            this.connection.onNotification('manager', (data) => nativeInfo.push(data)),
        ];
        try {
            await sendRequestWithTimeout(
                this.connection,
                'refresh',
                this.refreshOptions(options),
                REFRESH_TIMEOUT_MS,
            );
            stamps.refreshMs = msSince(stamps.start);
            await Promise.all(unresolved);
        } finally {
            disposables.forEach((d) => d.dispose());
        }
        return { nativeInfo, stamps };
    }

    // nativePythonFinder.ts, resolve: configure, then `resolve` with a time-out.
    async resolve(executable) {
        await this.configure();
        return sendRequestWithTimeout(this.connection, 'resolve', { executable }, RESOLVE_TIMEOUT_MS);
    }
}

function item(name, displayName, kind, executable, version, broken) {
    return {
        name,
        displayName,
        kind: kind ?? null,
        executable: executable ?? null,
        version: version ?? null,
        broken: !!broken,
    };
}

function envs(data) {
    return data.filter((e) => isNativeEnvInfo(e));
}

function managerExecutable(data, tool) {
    const found = data.filter((e) => !isNativeEnvInfo(e)).filter((e) => e.tool.toLowerCase() === tool);
    return found.length > 0 ? found[0].executable : undefined;
}

// managers/builtin/utils.ts, refreshPythons + getPythonInfo + getKindName: keeps kind
// undefined (absent) or one of the global kinds; needs executable, version and prefix (else
// the environment is logged and skipped); name "Python <sv>" (+ " (homebrew|xcode|store)").
const SYSTEM_KINDS = [
    Kind.globalPaths,
    Kind.homebrew,
    Kind.linuxGlobal,
    Kind.macCommandLineTools,
    Kind.macPythonOrg,
    Kind.macXCode,
    Kind.windowsRegistry,
    Kind.windowsStore,
    Kind.winpython,
];
const KIND_NAMES = { Homebrew: 'homebrew', MacXCode: 'xcode', WindowsStore: 'store' };
function systemManager(data, skipped) {
    const shown = [];
    for (const e of envs(data)) {
        if (!(e.kind === undefined || (e.kind && SYSTEM_KINDS.includes(e.kind)))) continue;
        if (!(e.executable && e.version && e.prefix)) {
            skipped.push(`system: Invalid python info: ${JSON.stringify(e)}`);
            continue;
        }
        const sv = shortenVersionString(e.version);
        const kindName = KIND_NAMES[e.kind];
        const name = kindName ? `Python ${sv} (${kindName})` : `Python ${sv}`;
        shown.push(item(e.name ?? name, e.displayName ?? name, e.kind, e.executable, e.version));
    }
    return shown;
}

// managers/builtin/venvUtils.ts, findVirtualEnvironments + getPythonInfo + getName: keeps
// Venv, Uv, UvWorkspace, VirtualEnv, VirtualEnvWrapper; one with `error` is shown as
// "<name> (broken)" (name: env.name, else basename(prefix), else 'Unknown') with its version
// or 'Unknown'; otherwise it needs prefix, executable and version; name is env.name, else the
// folder above bin/Scripts; displayName "<name> (<sv>)".
const VENV_KINDS = [Kind.venv, Kind.venvUv, Kind.uvWorkspace, Kind.virtualEnv, Kind.virtualEnvWrapper];
function venvName(binPath) {
    const dir1 = path.dirname(binPath);
    if (dir1.endsWith('bin') || dir1.endsWith('Scripts') || dir1.endsWith('scripts')) {
        return path.basename(path.dirname(dir1));
    }
    return path.basename(dir1);
}
function venvManager(data, skipped) {
    const shown = [];
    for (const e of envs(data).filter((x) => VENV_KINDS.includes(x.kind))) {
        if (e.error) {
            const n = e.name ?? (e.prefix ? path.basename(e.prefix) : 'Unknown');
            const name = `${n} (broken)`;
            shown.push(item(name, name, e.kind, e.executable ?? '', e.version ?? 'Unknown', true));
            continue;
        }
        if (!(e.prefix && e.executable && e.version)) {
            skipped.push(`venv: Invalid venv environment: ${JSON.stringify(e)}`);
            continue;
        }
        const n = e.name ?? venvName(e.executable);
        const name = `${n} (${shortenVersionString(e.version)})`;
        shown.push(item(name, name, e.kind, e.executable, e.version));
    }
    return shown;
}

// managers/conda/condaUtils.ts, getConda/getCondaExecutable: the condaPath setting, else
// `conda` on PATH (findConda), else the first 'conda' manager PET reported that exists.
function getConda(input, data) {
    if (input.condaPath) return input.condaPath;
    const onPath = which('conda');
    if (onPath) return onPath;
    const fromPet = managerExecutable(data, 'conda');
    return fromPet && fs.existsSync(fromPet) ? fromPet : undefined;
}

// managers/conda/condaUtils.ts, nativeToPythonEnv: without prefix+executable+version it is a
// "<name> (no-python)" env; name === 'base' -> named 'base'; another name -> a named env
// "<name> (<sv>)"; no name -> a prefix env named basename(prefix), "<basename> (<sv>)".
function condaItem(e) {
    if (!(e.prefix && e.executable && e.version)) {
        const n = e.name ?? '';
        return item(n, `${n} (no-python)`, e.kind, null, 'no-python');
    }
    const sv = shortenVersionString(e.version);
    const name = e.name ? e.name : path.basename(e.prefix);
    return item(name, `${name} (${sv})`, e.kind, e.executable, e.version);
}

// managers/conda/condaUtils.ts, refreshCondaEnvs: nothing without a conda executable; keeps
// kind Conda.
function condaManager(input, data, skipped) {
    if (!getConda(input, data)) {
        if (envs(data).some((e) => e.kind === Kind.conda)) {
            skipped.push('conda: No conda manager found in native finder data');
        }
        return [];
    }
    return envs(data)
        .filter((e) => e.kind === Kind.conda)
        .map(condaItem);
}

// managers/pyenv/pyenvUtils.ts, getPyenv: $PYENV_ROOT/bin/pyenv, ~/.pyenv/bin/pyenv, then
// `pyenv` on PATH; refreshPyenv: else the first 'pyenv' manager PET reported.
function getPyenv(data) {
    const candidates = [];
    if (process.env.PYENV_ROOT) candidates.push(path.join(process.env.PYENV_ROOT, 'bin', 'pyenv'));
    if (process.env.HOME) candidates.push(path.join(process.env.HOME, '.pyenv', 'bin', 'pyenv'));
    for (const c of candidates) {
        if (fs.existsSync(c)) return c;
    }
    return which('pyenv') ?? managerExecutable(data, 'pyenv');
}

// managers/pyenv/pyenvUtils.ts, refreshPyenv + nativeToPythonEnv: nothing without pyenv;
// keeps Pyenv and PyenvVirtualEnv with prefix, executable and version; name = name ||
// displayName || basename(prefix); displayName = displayName || "pyenv (<sv>)", and
// "<name> (<sv>)" for a PyenvVirtualEnv.
function pyenvManager(data, skipped) {
    if (!getPyenv(data)) return [];
    const shown = [];
    for (const e of envs(data).filter((x) => x.kind === Kind.pyenv || x.kind === Kind.pyenvVirtualEnv)) {
        if (!(e.prefix && e.executable && e.version)) {
            skipped.push(`pyenv: Incomplete pyenv environment info: ${JSON.stringify(e)}`);
            continue;
        }
        const sv = shortenVersionString(e.version);
        const name = e.name || e.displayName || path.basename(e.prefix);
        const displayName =
            e.kind === Kind.pyenvVirtualEnv ? `${name} (${sv})` : e.displayName || `pyenv (${sv})`;
        shown.push(item(name, displayName, e.kind, e.executable, e.version));
    }
    return shown;
}

// managers/poetry/poetryUtils.ts, refreshPoetry + nativeToPythonEnv: nothing without poetry
// (PATH or a 'poetry' manager); keeps Poetry; name = name || displayName || basename(prefix);
// displayName = displayName || "poetry (<sv>)".
function poetryManager(data, skipped) {
    if (!(which('poetry') ?? managerExecutable(data, 'poetry'))) return [];
    const shown = [];
    for (const e of envs(data).filter((x) => x.kind === Kind.poetry)) {
        if (!(e.prefix && e.executable && e.version)) {
            skipped.push(`poetry: incomplete ${JSON.stringify(e)}`);
            continue;
        }
        const sv = shortenVersionString(e.version);
        const name = e.name || e.displayName || path.basename(e.prefix);
        shown.push(item(name, e.displayName || `poetry (${sv})`, e.kind, e.executable, e.version));
    }
    return shown;
}

// managers/pipenv/pipenvUtils.ts, refreshPipenv + nativeToPythonEnv: keeps Pipenv; name =
// name || displayName || basename(prefix); displayName = displayName || "<folder> (<sv>)".
function pipenvManager(data, skipped) {
    const shown = [];
    for (const e of envs(data).filter((x) => x.kind === Kind.pipenv)) {
        if (!(e.prefix && e.executable && e.version)) {
            skipped.push(`pipenv: incomplete ${JSON.stringify(e)}`);
            continue;
        }
        const folder = path.basename(e.prefix);
        const sv = shortenVersionString(e.version);
        const name = e.name || e.displayName || folder;
        shown.push(item(name, e.displayName || `${folder} (${sv})`, e.kind, e.executable, e.version));
    }
    return shown;
}

function shownBy(input, data, skipped) {
    return {
        system: systemManager(data, skipped),
        venv: venvManager(data, skipped),
        conda: condaManager(input, data, skipped),
        pyenv: pyenvManager(data, skipped),
        poetry: poetryManager(data, skipped),
        pipenv: pipenvManager(data, skipped),
    };
}

async function main() {
    const input = readInput();
    const report = newReport();
    const out = { skipped: [] };
    const finder = new Finder(input, report);
    try {
        // Every manager's first refresh is refresh(hard?, undefined): one key ('all'),
        // coalesced into one `refresh {}` (nativePythonFinder.ts, handleHardRefresh; the
        // managers' refresh* functions above call nativeFinder.refresh(hardRefresh)).
        const all = await finder.refresh(undefined);
        out.refreshMs = all.stamps.refreshMs;
        out.firstEnvironmentMs = all.stamps.firstEnvironmentMs;
        out.shown = shownBy(input, all.nativeInfo, out.skipped);
        out.received = all.nativeInfo;

        // The venv manager refreshing one project (venvManager.ts, refresh(scope) ->
        // findVirtualEnvironments(..., [scope])): `refresh {searchPaths: [folder]}`.
        out.venvByFolder = {};
        for (const folder of input.workspaceFolders) {
            const scoped = await finder.refresh([folder]);
            out.venvByFolder[folder] = venvManager(scoped.nativeInfo, out.skipped);
        }

        // Conda's "install Python into this env" flow (condaUtils.ts, installPython):
        // refresh(true, Conda) -> `refresh {searchKind: "Conda"}`, then resolve(sysPrefix);
        // the env is kept only when the answer's kind is Conda.
        const condaKind = await finder.refresh(Kind.conda);
        out.condaByKind = condaManager(input, [...all.nativeInfo.filter((e) => !isNativeEnvInfo(e)), ...condaKind.nativeInfo], out.skipped);
        out.condaResolved = {};
        for (const prefix of input.condaPrefixes || []) {
            try {
                const native = await finder.resolve(prefix);
                out.condaResolved[prefix] = native.kind === Kind.conda ? condaItem(native) : null;
            } catch (ex) {
                report.errors.push(`resolve ${prefix}: ${String(ex)}`);
                out.condaResolved[prefix] = null;
            }
        }
        await finder.infoPromise;
        out.info = finder.info ?? null;
        out.infoMs = report.infoMs;
    } catch (ex) {
        report.errors.push(`sequence failed: ${String(ex && ex.stack ? ex.stack : ex)}`);
    } finally {
        await finder.server.dispose();
    }
    out.telemetry = report.telemetry.length;
    printResult(out, report);
}

runAsScript(module, main);

module.exports = { Finder, shownBy };
