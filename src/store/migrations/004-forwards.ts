import type { Migration } from './types.js';

/**
 * Version 4: port forwards. A forward belongs to its VM, so the foreign key
 * cascades: deleting the VM row deletes its forwards in the same statement.
 * One host address and port per protocol, across all VMs (a second forward of
 * 127.0.0.1:8080 is refused by the UNIQUE index, naming the VM that has it).
 */
export const forwards: Migration = {
  version: 4,
  name: 'forwards',
  up(db) {
    db.exec(`
      CREATE TABLE forwards (
        id TEXT PRIMARY KEY,
        vm_id TEXT NOT NULL REFERENCES vms(id) ON DELETE CASCADE,
        proto TEXT NOT NULL CHECK (proto IN ('tcp', 'udp')),
        host_ip TEXT NOT NULL,
        host_port INTEGER NOT NULL CHECK (host_port BETWEEN 1 AND 65535),
        guest_port INTEGER NOT NULL CHECK (guest_port BETWEEN 1 AND 65535),
        created_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX forwards_host ON forwards(proto, host_ip, host_port);
      CREATE INDEX forwards_vm_id ON forwards(vm_id);
    `);
  },
};
