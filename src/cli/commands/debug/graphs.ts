import { graphToMermaid, machineToGraph, type MachineGraph } from '../../../../machines/graph.js';
import { dnsMachine, helperBridgeMachine, supervisorMachine, tapPoolMachine, vmMachine } from '../../../../machines/index.js';

export { graphToMermaid };

/** Every machine the daemon runs, as plain graphs, in a stable order. */
export function allMachineGraphs(): MachineGraph[] {
  return [supervisorMachine, vmMachine, tapPoolMachine, dnsMachine, helperBridgeMachine].map((m) => machineToGraph(m));
}
