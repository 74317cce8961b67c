import { dnsMachine, helperBridgeMachine, supervisorMachine, tapPoolMachine, vmMachine } from '../../../machines/index.js';
import { machineToGraph } from '../../../machines/graph.js';
import { Empty } from '../../rpc/methods.js';
import type { MethodTable } from './types.js';

const MACHINES = [supervisorMachine, vmMachine, tapPoolMachine, dnsMachine, helperBridgeMachine];

export const debugMethods = {
  'debug.machines': { params: Empty, handler: () => MACHINES.map((m) => machineToGraph(m)) },
  'debug.actors': { params: Empty, handler: (_params, ctx) => ctx.services.vmSystem.actors() },
} satisfies MethodTable;
