import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WireError, WireErrorCode } from '../../common/wire/errors';
import { resolveCommand, resolveCwd } from './resolveCommand';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fd-resolve-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'agent'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bin', 'agent'), 0o755);
  writeFileSync(join(dir, 'bin', 'notes'), 'not executable');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function failure(fn: () => unknown): WireError {
  try {
    fn();
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error('expected a WireError');
}

describe('resolveCommand', () => {
  it('finds a command on PATH, or by a path relative to the cwd', () => {
    expect(resolveCommand('agent', '/', `/nonexistent:${join(dir, 'bin')}`)).toBe(join(dir, 'bin', 'agent'));
    expect(resolveCommand('./bin/agent', dir, '')).toBe(join(dir, 'bin', 'agent'));
  });

  it('names a missing or non-executable command', () => {
    const missing = failure(() => resolveCommand('claude-code', '/', join(dir, 'bin')));
    expect(missing.code).toBe(WireErrorCode.CommandNotFound);
    expect(missing.message).toContain('claude-code');
    expect(failure(() => resolveCommand('notes', '/', join(dir, 'bin'))).code).toBe(WireErrorCode.CommandNotFound);
  });
});

describe('resolveCwd', () => {
  it('accepts a directory and names a missing one or a file', () => {
    expect(resolveCwd(dir)).toBe(dir);
    expect(failure(() => resolveCwd(join(dir, 'gone'))).message).toContain(join(dir, 'gone'));
    expect(failure(() => resolveCwd(join(dir, 'bin', 'agent'))).code).toBe(WireErrorCode.CwdNotFound);
  });
});
