// Loading documents and data files as classic scripts (fetch() is refused on file://
// pages): a <script> element per file, resolved on its load event. Data files assign
// `window.VISIVO_DATA[<data key>]`; a dashboard loads only the files of its own traces,
// all at once, and after a rebuild only those whose version changed.

import { dashboardTraceNames, dataFileVersions, dataFileHref } from './model.js';

/** Data files loaded so far: data key -> {version, result}. */
const loadedFiles = new Map();

/** Loads a classic script; resolves when it has run, rejects when it fails to load. */
export function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.async = true;
    script.onload = () => {
      script.remove();
      resolve();
    };
    script.onerror = () => {
      script.remove();
      reject(new Error(`could not load ${src}`));
    };
    document.head.append(script);
  });
}

/**
 * Loads the data of a dashboard's traces, in parallel, each file with `?v=<its version>`
 * and only when that version is not the one already loaded (the result is then the very
 * object loaded before, so views can tell nothing changed). Resolves to a Map from trace
 * name to `{data}` or `{error}` (traces that were not built are absent: their status says
 * why).
 */
export async function loadDashboardData(base, project, dashboard) {
  const traceNames = dashboardTraceNames(project, dashboard);
  const versions = dataFileVersions(project, traceNames);
  const store = (window.VISIVO_DATA = window.VISIVO_DATA || {});
  const results = new Map();
  for (const file of [...loadedFiles.keys()]) if (!versions.has(file)) loadedFiles.delete(file);
  await Promise.all(
    [...versions].map(async ([file, version]) => {
      const known = loadedFiles.get(file);
      if (known?.version === version) {
        results.set(file, known.result);
        return;
      }
      delete store[file];
      let result;
      try {
        await loadScript(dataFileHref(base, file, version));
        result =
          store[file] && typeof store[file] === 'object'
            ? { data: store[file] }
            : { error: `the data file ${file} defined no data` };
      } catch {
        result = { error: `could not load the data file ${file}` };
      }
      if (result.data) loadedFiles.set(file, { version, result });
      else loadedFiles.delete(file);
      results.set(file, result);
    }),
  );
  const loaded = new Map();
  for (const name of traceNames) {
    const file = project.traces?.[name]?.data;
    if (results.has(file)) loaded.set(name, results.get(file));
  }
  return loaded;
}
