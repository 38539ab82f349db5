import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

// What an editor shows on hover, asked of TypeScript's language service (what VS Code's tooltips come from).
const dir = import.meta.dirname;
const file = path.join(dir, 'machine.ts');

function languageService(): ts.LanguageService {
  const config = ts.readConfigFile(path.join(dir, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dir);
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => [file],
    getScriptVersion: () => '1',
    getScriptSnapshot: (name) =>
      fs.existsSync(name) ? ts.ScriptSnapshot.fromString(fs.readFileSync(name, 'utf8')) : undefined,
    getCurrentDirectory: () => dir,
    getCompilationSettings: () => parsed.options,
    getDefaultLibFileName: ts.getDefaultLibFilePath,
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  return ts.createLanguageService(host);
}

it('an editor shows the compiled machine as a short named type, JobMachine<I, O>, not XState’s expansion', () => {
  const service = languageService();
  const text = fs.readFileSync(file, 'utf8');
  const hover = (needle: string) => {
    const at = text.indexOf(needle);
    expect(at, needle).toBeGreaterThanOrEqual(0);
    const info = service.getQuickInfoAtPosition(file, at);
    return ts.displayPartsToString(info?.displayParts);
  };
  const shown = {
    compiled: hover('compiled = compileJob'),
    compileJob: hover('compileJob(job)'),
    provideRuntime: hover('provideRuntime(job, {'),
    machine: hover('machine } = provideRuntime'),
  };
  const named = 'JobMachine<{\n    items: string[];\n}, {\n    processed: string[];\n}, JobMachineEvent>';
  expect(shown.compiled).toBe(`const compiled: ${named}`);
  expect(shown.machine).toBe(`const machine: ${named}`);
  expect(shown.compileJob).toMatch(/\): JobMachine<[\s\S]*>\nimport compileJob$/);
  expect(shown.provideRuntime).toMatch(/\): ProvidedJob<[\s\S]*>\nimport provideRuntime$/);
  for (const [what, display] of Object.entries(shown)) {
    expect(display, what).not.toContain('StateMachine<');
    expect(display.length, `${what}: ${display}`).toBeLessThan(600);
  }
});
