import { parentPort } from 'node:worker_threads';
import { runAnalyzeTask, transferables, type AnalyzeTask } from './analyze-task';

// Worker thread: one tree-sitter parser each; results travel back as transferred typed arrays.
parentPort?.on('message', (t: AnalyzeTask) => {
  const out = runAnalyzeTask(t);
  parentPort?.postMessage(out, transferables(out));
});
