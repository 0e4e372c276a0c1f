// Loading project.js and data files as classic scripts (fetch() is refused on
// file:// pages): a <script> element per file, resolved on its load event. Data files
// assign `window.VISIVO_DATA[<data key>]`; a dashboard loads only the files of its own
// traces, all at once.

import { dashboardTraceNames, traceDataFiles, dataFileHref } from './model.js';

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
 * Loads the data of a dashboard's traces, in parallel, with `?v=<project version>`.
 * Resolves to a Map from trace name to `{data}` or `{error}` (traces that were not
 * built are absent: their status says why).
 */
export async function loadDashboardData(base, project, dashboard) {
  const traceNames = dashboardTraceNames(project, dashboard);
  const store = (window.VISIVO_DATA = window.VISIVO_DATA || {});
  const results = new Map();
  await Promise.all(
    traceDataFiles(project, traceNames).map(async (file) => {
      delete store[file];
      try {
        await loadScript(dataFileHref(base, file, project.version));
        results.set(
          file,
          store[file] && typeof store[file] === 'object'
            ? { data: store[file] }
            : { error: `the data file ${file} defined no data` },
        );
      } catch {
        results.set(file, { error: `could not load the data file ${file}` });
      }
    }),
  );
  const loaded = new Map();
  for (const name of traceNames) {
    const file = project.traces?.[name]?.data;
    if (results.has(file)) loaded.set(name, results.get(file));
  }
  return loaded;
}
