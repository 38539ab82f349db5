/** `--inspect`: stream a job's actor to the Stately inspector. */
export interface InspectOption {
  inspect?: boolean;
}

/** Run options that attach the inspector, when asked for. */
export async function attachInspector(options: InspectOption): Promise<{ inspect?: (event: any) => void }> {
  if (!options.inspect) return {};
  const { startInspector } = await import('./startInspector.js');
  const inspector = await startInspector();
  process.stderr.write(`Inspector: ${inspector.url}\n`);
  return { inspect: inspector.inspect };
}
