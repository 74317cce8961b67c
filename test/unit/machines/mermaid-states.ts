/**
 * A strict reader for the subset of Mermaid stateDiagram-v2 that graphToMermaid
 * emits. Any other line is an error, so a change in the output shape fails the
 * tests instead of slipping past the endpoint check.
 */
export interface ParsedStateDiagram {
  /** Declared state ids, with the composite they were declared in (undefined at top level). */
  states: Map<string, string | undefined>;
  edges: Array<{ from: string; to: string; label: string; line: number }>;
}

const ID = '[A-Za-z_][A-Za-z0-9_]*';
const STATE = new RegExp(`^state "([^"]+)" as (${ID})( \\{)?$`);
const EDGE = new RegExp(`^(${ID}|\\[\\*\\]) --> (${ID}|\\[\\*\\])(?:: (.+))?$`);

export function parseStateDiagram(text: string): ParsedStateDiagram {
  const lines = text.split('\n');
  if (lines[0] !== 'stateDiagram-v2') throw new Error(`first line is "${lines[0]}", not stateDiagram-v2`);
  const states = new Map<string, string | undefined>();
  const edges: ParsedStateDiagram['edges'] = [];
  const scope: string[] = [];
  lines.slice(1).forEach((raw, i) => {
    const line = raw.trim();
    const at = i + 2;
    if (line === '' || line.startsWith('%%')) return;
    if (line === '}') {
      if (scope.length === 0) throw new Error(`line ${at}: "}" closes nothing`);
      scope.pop();
      return;
    }
    const st = STATE.exec(line);
    if (st) {
      const id = st[2]!;
      if (states.has(id)) throw new Error(`line ${at}: state ${id} declared twice`);
      states.set(id, scope.at(-1));
      if (st[3]) scope.push(id);
      return;
    }
    const ed = EDGE.exec(line);
    if (ed) {
      if (ed[3] !== undefined && ed[3].includes(':')) throw new Error(`line ${at}: label has a colon`);
      edges.push({ from: ed[1]!, to: ed[2]!, label: ed[3] ?? '', line: at });
      return;
    }
    throw new Error(`line ${at}: not a state, transition or brace: "${raw}"`);
  });
  if (scope.length > 0) throw new Error(`composite ${scope.at(-1)} is never closed`);
  return { states, edges };
}

/** Edge endpoints that are neither a declared state nor [*], as "line N: from --> to". */
export function undeclaredEndpoints(d: ParsedStateDiagram): string[] {
  const ok = (id: string): boolean => id === '[*]' || d.states.has(id);
  return d.edges.filter((e) => !ok(e.from) || !ok(e.to)).map((e) => `line ${e.line}: ${e.from} --> ${e.to}`);
}
