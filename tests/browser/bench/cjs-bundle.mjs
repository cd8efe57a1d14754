// Turns an npm package published as CommonJS (the official JavaScript NATS client) into one ES
// module a page can import: every file reachable through `require` is wrapped in a function and
// registered by path; the module re-exports the entry's exports. Node built-ins resolve to `{}`
// (the client only probes for them). No dependency: the files come from node_modules as they are.
import fs from "node:fs";
import path from "node:path";
import { builtinModules } from "node:module";

const REQUIRE = /\brequire\(\s*["']([^"']+)["']\s*\)/g;

function packageEntry(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const dot = typeof pkg.exports === "object" ? pkg.exports["."] : pkg.exports;
  const entry = typeof dot === "string" ? dot : dot?.require ?? dot?.default ?? pkg.main ?? "index.js";
  return path.join(dir, entry);
}

function asFile(p) {
  for (const candidate of [p, `${p}.js`, path.join(p, "index.js")]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`cannot resolve ${p}`);
}

function resolve(spec, fromFile, nodeModules) {
  if (spec.startsWith(".")) return asFile(path.resolve(path.dirname(fromFile), spec));
  if (builtinModules.includes(spec) || spec.startsWith("node:")) return null;
  const parts = spec.split("/");
  const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const rest = parts.slice(spec.startsWith("@") ? 2 : 1).join("/");
  const dir = path.join(nodeModules, name);
  return rest ? asFile(path.join(dir, rest)) : asFile(packageEntry(dir));
}

/** The ES module source of package `name` (with its dependencies) found in `nodeModules`. */
export function bundle(name, nodeModules) {
  const entry = resolve(name, path.join(nodeModules, "x.js"), nodeModules);
  const ids = new Map();
  const parts = [];
  const visit = (file) => {
    if (ids.has(file)) return ids.get(file);
    const id = ids.size;
    ids.set(file, id);
    const src = fs.readFileSync(file, "utf8");
    const table = {};
    for (const [, spec] of src.matchAll(REQUIRE)) {
      const target = resolve(spec, file, nodeModules);
      table[spec] = target === null ? -1 : visit(target);
    }
    parts[id] = `${id}: [${JSON.stringify(table)}, function (module, exports, require) {\n${src}\n}]`;
    return id;
  };
  visit(entry);
  return `const defs = {\n${parts.join(",\n")}\n};
const cache = {};
function load(id) {
  if (id === -1) return {};
  if (cache[id]) return cache[id].exports;
  const [table, fn] = defs[id];
  const module = (cache[id] = { exports: {} });
  fn.call(module.exports, module, module.exports, (spec) => load(table[spec]));
  return module.exports;
}
const root = load(0);
export default root;
export const wsconnect = root.wsconnect;
`;
}
