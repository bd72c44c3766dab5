// Lab page: the peer without the app, for diagnostics and for the peer's end-to-end tests.
const log = document.getElementById('log');
if (log) log.textContent = `crossOriginIsolated=${String(globalThis.crossOriginIsolated)}\n`;
