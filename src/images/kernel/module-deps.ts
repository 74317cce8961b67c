/**
 * Pure helpers over a kernel's modules.dep / modules.builtin: which files to
 * put in an initramfs and in what order to insmod them (dependencies first).
 */

export interface ModuleIndex {
  /** Relative module path (kernel/drivers/...ko[.xz]) → its dependencies' paths. */
  deps: Map<string, string[]>;
  /** Normalised module name → relative path. */
  byName: Map<string, string>;
  /** Normalised names of built-in modules (nothing to load). */
  builtin: Set<string>;
}

/** "virtio-pci" and "virtio_pci" are the same module; file suffixes are dropped. */
export function moduleName(pathOrName: string): string {
  const base = pathOrName.split('/').pop() ?? pathOrName;
  return base.replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

export function parseModuleIndex(modulesDep: string, modulesBuiltin = ''): ModuleIndex {
  const deps = new Map<string, string[]>();
  const byName = new Map<string, string>();
  for (const raw of modulesDep.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const path = line.slice(0, colon).trim();
    const rest = line.slice(colon + 1).trim();
    deps.set(path, rest ? rest.split(/\s+/) : []);
    byName.set(moduleName(path), path);
  }
  const builtin = new Set<string>();
  for (const raw of modulesBuiltin.split('\n')) {
    if (raw.trim()) builtin.add(moduleName(raw.trim()));
  }
  return { deps, byName, builtin };
}

export interface LoadPlan {
  /** Relative module paths, each after all of its dependencies. */
  order: string[];
  /** Requested names that are built into the kernel. */
  builtin: string[];
}

/**
 * Resolves requested module names to a dependency-first load order.
 * Throws an Error naming the module when it is neither a module nor built in.
 */
export function planModuleLoad(index: ModuleIndex, wanted: readonly string[]): LoadPlan {
  const order: string[] = [];
  const seen = new Set<string>();
  const builtin: string[] = [];
  const visit = (path: string, stack: string[]): void => {
    if (seen.has(path)) return;
    if (stack.includes(path)) throw new Error(`module dependency cycle: ${[...stack, path].join(' -> ')}`);
    for (const d of index.deps.get(path) ?? []) visit(d, [...stack, path]);
    seen.add(path);
    order.push(path);
  };
  for (const w of wanted) {
    const name = moduleName(w);
    const path = index.byName.get(name);
    if (path) visit(path, []);
    else if (index.builtin.has(name)) builtin.push(name);
    else throw new Error(`kernel module ${w} is neither a module nor built in`);
  }
  return { order, builtin };
}
