/** The id of a file's section in the diff viewer, so the list of changed files can link to it (kept out of the lazy chunk). */
export function diffFileAnchor(index: number): string {
  return `diff-file-${index}`;
}
