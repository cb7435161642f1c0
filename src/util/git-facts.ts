import { simpleGit } from 'simple-git';

/** Commit, remote and dirtiness of the checkout holding `dir`, when it is inside one; never throws. */
export async function repositoryFacts(dir: string): Promise<{ commit?: string; remote?: string; dirty?: boolean }> {
  try {
    const git = simpleGit({ baseDir: dir });
    if (!(await git.checkIsRepo())) return {};
    const commit = (await git.revparse(['HEAD'])).trim();
    let remote: string | undefined;
    try {
      remote = (await git.remote(['get-url', 'origin']))?.toString().trim() || undefined;
    } catch {
      remote = undefined;
    }
    const status = await git.raw(['status', '--porcelain', '--', '.']);
    return { commit, remote, dirty: status.trim().length > 0 };
  } catch {
    return {};
  }
}
