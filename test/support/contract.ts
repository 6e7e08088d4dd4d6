// The per-test setup every contract file shares: a fresh backend, a client on it and fresh tasks.
import { Longhaul } from 'longhaul';
import { afterEach, beforeEach } from 'vitest';
import type { BackendFactory, TestBackend } from './backends.js';
import { makeTasks } from './tasks.js';

export interface ContractScope {
  t: TestBackend;
  longhaul: Longhaul;
  fixtures: ReturnType<typeof makeTasks>;
}

/** Registers hooks that give each test its own backend (disposed after it); read the fields inside tests. */
export function useContractBackend(
  factory: BackendFactory,
  options: Parameters<BackendFactory['create']>[0] = {},
): ContractScope {
  const scope = {} as ContractScope;
  beforeEach(async () => {
    scope.t = await factory.create(options);
    scope.longhaul = new Longhaul({ backend: scope.t.backend });
    scope.fixtures = makeTasks();
  });
  afterEach(async () => {
    await scope.t.dispose();
  });
  return scope;
}
