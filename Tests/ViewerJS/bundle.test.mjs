// The viewer's files keep the rules under which the Swift build joins them into one
// classic script (assets/viewer.js): imports one per line as
// `import { a, b } from './x.js';`, exports only `export function|const|class`,
// top-level names unique across files, main.js the entry that nobody imports. The
// join is rebuilt here the same way and must compile; and every module imports in node
// without a DOM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const folder = join(dirname(fileURLToPath(import.meta.url)), '../../Sources/VisivoSite/Viewer');
const files = readdirSync(folder).filter((name) => name.endsWith('.js')).sort();
const IMPORT = /^import \{ ([A-Za-z_$][\w$]*(?:, [A-Za-z_$][\w$]*)*) \} from '\.\/([\w-]+\.js)';$/;
const TOP_LEVEL = /^(?:export )?(?:async )?(?:function\*? |class |const |let |var )([A-Za-z_$][\w$]*)/;

function parse(name) {
  const lines = readFileSync(join(folder, name), 'utf8').split('\n');
  const imports = [];
  const names = [];
  let body = true;
  lines.forEach((line, i) => {
    const where = `${name}:${i + 1}`;
    if (/^\s*import\b/.test(line)) {
      const match = IMPORT.exec(line);
      assert.ok(match, `${where}: imports must read \`import { a, b } from './x.js';\`: ${line}`);
      assert.ok(body, `${where}: imports go at the top`);
      imports.push({ names: match[1].split(', '), from: match[2] });
      return;
    }
    if (line.trim() !== '' && !line.startsWith('//')) body = false;
    assert.ok(!/\bimport\s*\(/.test(line), `${where}: no dynamic import()`);
    if (/^\s*export\b/.test(line)) {
      assert.ok(/^export (?:async )?(?:function |const |class )/.test(line), `${where}: only export function|const|class: ${line}`);
    }
    const declared = TOP_LEVEL.exec(line);
    if (declared) names.push(declared[1]);
  });
  return { name, lines, imports, names };
}

const modules = new Map(files.map((name) => [name, parse(name)]));

test('main.js is the entry and nobody imports it', () => {
  assert.ok(modules.has('main.js'));
  for (const module of modules.values()) {
    for (const entry of module.imports) assert.notEqual(entry.from, 'main.js', `${module.name} imports main.js`);
  }
});

test('every import names an existing file and names it exports', () => {
  for (const module of modules.values()) {
    for (const entry of module.imports) {
      const target = modules.get(entry.from);
      assert.ok(target, `${module.name} imports ./${entry.from}, which does not exist`);
      const exported = new Set(
        target.lines.map((line) => /^export (?:async )?(?:function |const |class )([\w$]+)/.exec(line)?.[1]).filter(Boolean),
      );
      for (const name of entry.names) assert.ok(exported.has(name), `${module.name}: ./${entry.from} exports no ${name}`);
    }
  }
});

test('top-level names are unique across all files', () => {
  const seen = new Map();
  for (const module of modules.values()) {
    for (const name of module.names) {
      assert.ok(!seen.has(name), `${name} is declared in both ${seen.get(name)} and ${module.name}`);
      seen.set(name, module.name);
    }
  }
});

function joined() {
  const done = new Set();
  const visiting = new Set();
  const order = [];
  const visit = (name) => {
    if (done.has(name)) return;
    assert.ok(!visiting.has(name), `import cycle through ${name}`);
    visiting.add(name);
    for (const entry of modules.get(name).imports) visit(entry.from);
    visiting.delete(name);
    done.add(name);
    order.push(name);
  };
  for (const name of files) if (name !== 'main.js') visit(name);
  visit('main.js');
  const bodies = order.map((name) =>
    modules
      .get(name)
      .lines.filter((line) => !/^import /.test(line))
      .map((line) => line.replace(/^export /, ''))
      .join('\n'),
  );
  return { order, script: `(function(){ "use strict";\n${bodies.join('\n')}\n})();` };
}

test('the joined script compiles as one classic script, main.js last', () => {
  const { order, script } = joined();
  assert.equal(order[order.length - 1], 'main.js');
  assert.doesNotThrow(() => new Function(script));
});

test('every module imports without a DOM', async () => {
  for (const name of files) await import(pathToFileURL(join(folder, name)).href);
  assert.equal(typeof globalThis.document, 'undefined');
});
