'use strict';
// The Python extension (microsoft/vscode-python at 757def8) driving
// `<extdir>/python-env-tools/bin/pet server`, reduced to what decides which interpreters it
// lists. Usage: node python_extension.js INPUT.json (INPUT as for envs_extension.js).
// Prints {"errors", "stderr", "logErrors", "shown", "afterCondaRefresh", "afterWorkspaceEvent"}.
// Rules name their file (paths under src/client/pythonEnvironments/ at 757def8).

const path = require('path');
const {
    startServer,
    newReport,
    isNativeEnvInfo,
    msSince,
    readInput,
    printResult,
    runAsScript,
} = require('./pet_connection');

// base/locators/common/nativePythonUtils.ts: NativePythonEnvironmentKind -> PythonEnvKind
// (values from base/info/index.ts); an unknown or missing kind is 'unknown'.
const KIND_MAP = {
    Conda: 'virt-conda',
    Pixi: 'pixi',
    GlobalPaths: 'global-other',
    Pyenv: 'global-pyenv',
    PyenvVirtualEnv: 'global-pyenv',
    Pipenv: 'virt-pipenv',
    Poetry: 'poetry',
    VirtualEnv: 'virt-virtualenv',
    VirtualEnvWrapper: 'virt-virtualenvwrapper',
    Venv: 'virt-venv',
    Uv: 'virt-venv',
    WindowsRegistry: 'global-system',
    WindowsStore: 'global-microsoft-store',
    Homebrew: 'global-system',
    LinuxGlobal: 'global-system',
    MacCommandLineTools: 'global-system',
    MacPythonOrg: 'global-system',
    MacXCode: 'global-system',
};
function categoryToKind(category) {
    return (category && KIND_MAP[category]) || 'unknown';
}

// nativeAPI.ts, kindToShortString and getEnvType.
const SHORT = {
    poetry: 'poetry',
    'global-pyenv': 'pyenv',
    'virt-virtualenv': 'venv',
    'virt-venv': 'venv',
    'virt-virtualenvwrapper': 'venv',
    'virt-other': 'venv',
    'virt-pipenv': 'pipenv',
    'virt-conda': 'conda',
    activestate: 'active-state',
    'global-microsoft-store': 'Microsoft Store',
    hatch: 'hatch',
    pixi: 'pixi',
};
const VIRTUAL = [
    'poetry',
    'global-pyenv',
    'virt-virtualenv',
    'virt-venv',
    'virt-virtualenvwrapper',
    'virt-other',
    'virt-pipenv',
    'activestate',
    'hatch',
    'pixi',
];
function envType(kind) {
    if (VIRTUAL.includes(kind)) return 'Virtual';
    if (kind === 'virt-conda') return 'Conda';
    return undefined;
}

// base/info/pythonVersion.ts, parseVersion (the basic part): major.minor.micro, -1 when absent.
function parseVersion(text) {
    const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text || '');
    if (!m) return { major: -1, minor: -1, micro: -1 };
    return {
        major: Number(m[1]),
        minor: m[2] === undefined ? -1 : Number(m[2]),
        micro: m[3] === undefined ? -1 : Number(m[3]),
    };
}

function isSubDir(p, parents) {
    return parents.some((parent) => p && path.normalize(p).startsWith(path.normalize(parent)));
}

// nativeAPI.ts, getName: env.name; else basename(prefix) for a virtual kind; for conda,
// '' inside a workspace folder, basename(prefix) under a conda envs dir; else ''.
function getName(native, kind, workspaceFolders, condaEnvDirs) {
    if (native.name) return native.name;
    const type = envType(kind);
    if (native.prefix && type === 'Virtual') return path.basename(native.prefix);
    if (native.prefix && type === 'Conda') {
        if (isSubDir(native.prefix, workspaceFolders)) return '';
        if (condaEnvDirs.length > 0 && isSubDir(native.prefix, condaEnvDirs)) {
            return path.basename(native.prefix);
        }
    }
    return '';
}

// nativeAPI.ts, getDisplayName (64-bit): "Python <M.m.u> (<name or kind short name>)".
function getDisplayName(version, kind, name) {
    const v = `${version.major}.${version.minor}.${version.micro}`;
    const short = SHORT[kind];
    if (short) return name ? `Python ${v} (${name})` : `Python ${v} (${short})`;
    return name ? `Python ${v} (${name})` : `Python ${v}`;
}

// nativeAPI.ts, toPythonEnvInfo: needs prefix or executable; executable defaults to
// <prefix>/python; the display name needs a version, else displayName ?? 'Python'.
function toPythonEnvInfo(native, workspaceFolders, condaEnvDirs) {
    if (native.prefix === undefined && native.executable === undefined) return undefined;
    const kind = categoryToKind(native.kind);
    const version = parseVersion(native.version ?? '');
    const name = getName(native, kind, workspaceFolders, condaEnvDirs);
    const display = native.version
        ? getDisplayName(version, kind, name)
        : native.displayName ?? 'Python';
    const executable = native.executable ?? (native.prefix ? path.join(native.prefix, 'python') : 'python');
    return { name, displayName: display, kind, executable, version: native.version ?? null };
}

class Finder {
    constructor(input, report) {
        this.input = input;
        this.report = report;
        this.lastConfiguration = undefined;
        this.server = startServer(input.tool, report);
        this.connection = this.server.connection;
        // nativePythonFinder.ts, constructor: start(); void configure(); first refresh.
        void this.configure();
    }

    // nativePythonFinder.ts, configure: {workspaceDirectories, environmentDirectories (venvPath
    // + venvFolders: none by default), condaExecutable, poetryExecutable, cacheDirectory};
    // sent when its JSON differs from the last one; errors logged.
    async configure() {
        const options = {
            workspaceDirectories: this.input.workspaceFolders,
            environmentDirectories: [],
            condaExecutable: this.input.condaPath || undefined,
            poetryExecutable: undefined,
            cacheDirectory: this.input.cacheDirectory,
        };
        if (JSON.stringify(options) === JSON.stringify(this.lastConfiguration || {})) return;
        try {
            this.lastConfiguration = options;
            await this.connection.sendRequest('configure', options);
        } catch (ex) {
            this.report.errors.push(`configure: ${String(ex)}`);
        }
    }

    async resolve(executable) {
        await this.configure();
        return this.connection.sendRequest('resolve', { executable });
    }

    // nativePythonFinder.ts, doRefresh: 'environment' with an executable but no version or no
    // prefix is resolved (failures logged "Error in Resolving" and dropped), others are
    // passed on; 'manager' passed on; configure().then(refresh); done when the refresh and
    // every resolve are done. Yields in arrival order (refresh/refreshFirstTime).
    refresh(options, onItem) {
        const pending = [];
        const stamps = { start: process.hrtime.bigint() };
        const disposables = [
            this.connection.onNotification('environment', (data) => {
                if (stamps.firstEnvironmentMs === undefined) stamps.firstEnvironmentMs = msSince(stamps.start);
                if (data.executable && (!data.version || !data.prefix)) {
                    pending.push(
                        this.connection
                            .sendRequest('resolve', { executable: data.executable })
                            .then((environment) => onItem(environment))
                            .catch((ex) =>
                                this.report.errors.push(`Error in Resolving ${JSON.stringify(data)}: ${String(ex)}`),
                            ),
                    );
                } else {
                    onItem(data);
                }
            }),
            this.connection.onNotification('manager', (data) => onItem(data)),
        ];
        const params = {};
        if (Array.isArray(options) && options.length > 0) params.searchPaths = options;
        else if (typeof options === 'string') params.searchKind = options;
        pending.push(
            this.configure().then(() => {
                stamps.start = process.hrtime.bigint();
                return this.connection
                    .sendRequest('refresh', params)
                    .then(() => {
                        stamps.refreshMs = msSince(stamps.start);
                    })
                    .catch((ex) => this.report.errors.push(`Refresh error: ${String(ex)}`));
            }),
        );
        const settle = async () => {
            let seen = -1;
            while (seen !== pending.length) {
                seen = pending.length;
                await Promise.all(pending.slice());
            }
        };
        return settle().finally(() => disposables.forEach((d) => d.dispose())).then(() => stamps);
    }
}

// nativeAPI.ts, NativePythonEnvironments: processEnv/addEnv (replace by executable filename),
// resolve-when-no-valid-version (errors ignored), processEnvManager (ignored here: it only
// records conda/pyenv paths).
class Environments {
    constructor(finder, input) {
        this.finder = finder;
        this.input = input;
        this.envs = [];
        this.late = [];
        this.condaEnvDirs = [];
    }

    addEnv(native) {
        const info = toPythonEnvInfo(native, this.input.workspaceFolders, this.condaEnvDirs);
        if (info) {
            this.envs = this.envs.filter((e) => e.executable !== info.executable);
            this.envs.push(info);
        }
        return info;
    }

    processNative(native) {
        if (!isNativeEnvInfo(native)) return undefined;
        if (native.prefix === undefined && native.executable === undefined) return undefined;
        const version = native.version ? parseVersion(native.version) : undefined;
        if (categoryToKind(native.kind) === 'virt-conda' && !native.executable) {
            return this.addEnv(native)?.executable;
        }
        const valid = version && version.major >= 0 && version.minor >= 0 && version.micro >= 0;
        if (native.executable && !valid) {
            this.late.push(
                this.finder
                    .resolve(native.executable)
                    .then((env) => env && this.addEnv(env))
                    .catch(() => undefined),
            );
            return native.executable;
        }
        if (native.executable && valid) return this.addEnv(native)?.executable;
        this.finder.report.errors.push(`Failed to process environment: ${JSON.stringify(native)}`);
        return undefined;
    }

    // triggerRefresh: process everything, then drop what the refresh no longer reported.
    async triggerRefresh() {
        const before = this.envs.map((e) => e.executable);
        const after = [];
        const stamps = await this.finder.refresh(undefined, (n) => {
            const exe = this.processNative(n);
            if (exe) after.push(exe);
        });
        before.filter((x) => !after.includes(x)).forEach((x) => {
            this.envs = this.envs.filter((e) => e.executable !== x);
        });
        await Promise.all(this.late);
        return stamps;
    }

    // pathEventHandler (environments.txt changed): refresh(Conda), then drop conda envs the
    // filtered refresh did not report.
    async condaRefresh() {
        const before = this.envs.filter((e) => e.kind === 'virt-conda').map((e) => e.executable);
        await this.finder.refresh('Conda', (n) => this.processNative(n));
        await Promise.all(this.late);
        const after = this.envs.filter((e) => e.kind === 'virt-conda').map((e) => e.executable);
        before.filter((x) => !after.includes(x)).forEach((x) => {
            this.envs = this.envs.filter((e) => e.executable !== x);
        });
    }
}

async function main() {
    const input = readInput();
    const report = newReport();
    const out = {};
    const finder = new Finder(input, report);
    const model = new Environments(finder, input);
    try {
        const stamps = await model.triggerRefresh();
        out.refreshMs = stamps.refreshMs;
        out.firstEnvironmentMs = stamps.firstEnvironmentMs;
        out.shown = model.envs.map((e) => ({ ...e }));
        await model.condaRefresh();
        out.afterCondaRefresh = model.envs.map((e) => ({ ...e }));
        // workspaceEventHandler: a workspace interpreter created or changed is resolve()d and
        // added (replacing the entry with the same executable filename, if any).
        for (const exe of input.workspaceExecutables || []) {
            try {
                const native = await finder.resolve(exe);
                if (native) model.addEnv(native);
            } catch (ex) {
                report.errors.push(`resolve ${exe}: ${String(ex)}`);
            }
        }
        out.afterWorkspaceEvent = model.envs.map((e) => ({ ...e }));
    } catch (ex) {
        report.errors.push(`sequence failed: ${String(ex && ex.stack ? ex.stack : ex)}`);
    } finally {
        await finder.server.dispose();
    }
    printResult(out, report);
}

runAsScript(module, main);

module.exports = { Finder, Environments };
